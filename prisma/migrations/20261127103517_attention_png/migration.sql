-- AlterTable
ALTER TABLE "segmentation_requests" ADD COLUMN     "attentionPng" BYTEA;
