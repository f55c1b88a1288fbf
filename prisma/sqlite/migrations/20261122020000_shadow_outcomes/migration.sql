-- AlterTable
ALTER TABLE "Decision" ADD COLUMN "shadowOutcome" TEXT;
ALTER TABLE "Decision" ADD COLUMN "shadowPolicyVersion" TEXT;
ALTER TABLE "Decision" ADD COLUMN "shadowReasons" TEXT;
ALTER TABLE "Decision" ADD COLUMN "shadowScore" INTEGER;

-- CreateIndex
CREATE INDEX "Decision_useCase_shadowPolicyVersion_idx" ON "Decision"("useCase", "shadowPolicyVersion");

