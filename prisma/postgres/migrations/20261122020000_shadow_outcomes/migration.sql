-- AlterTable
ALTER TABLE "Decision" ADD COLUMN     "shadowOutcome" TEXT,
ADD COLUMN     "shadowPolicyVersion" TEXT,
ADD COLUMN     "shadowReasons" TEXT,
ADD COLUMN     "shadowScore" INTEGER;

-- CreateIndex
CREATE INDEX "Decision_useCase_shadowPolicyVersion_idx" ON "Decision"("useCase", "shadowPolicyVersion");

