-- AlterTable
ALTER TABLE "Decision" ADD COLUMN     "label" TEXT,
ADD COLUMN     "labeledAt" TIMESTAMP(3);

