-- AlterTable
ALTER TABLE "Decision" ADD COLUMN "label" TEXT;
ALTER TABLE "Decision" ADD COLUMN "labeledAt" DATETIME;

