-- AlterTable
ALTER TABLE "tenants" ADD COLUMN     "imageRetentionDays" INTEGER;
