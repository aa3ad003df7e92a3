-- AlterTable
ALTER TABLE "images" ALTER COLUMN "data" DROP NOT NULL;
