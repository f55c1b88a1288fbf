-- CreateTable
CREATE TABLE "Decision" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "createdAt" DATETIME NOT NULL,
    "useCase" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "score" INTEGER NOT NULL,
    "reasons" TEXT NOT NULL,
    "signals" TEXT NOT NULL,
    "policyId" TEXT NOT NULL,
    "policyVersion" TEXT NOT NULL,
    "phoneNumberHash" TEXT NOT NULL,
    "phoneNumberMasked" TEXT NOT NULL,
    "subjectId" TEXT,
    "context" TEXT,
    "trustedSince" TEXT,
    "correlator" TEXT NOT NULL
);

-- CreateIndex
CREATE INDEX "Decision_useCase_id_idx" ON "Decision"("useCase", "id");

-- CreateIndex
CREATE INDEX "Decision_outcome_id_idx" ON "Decision"("outcome", "id");

-- CreateIndex
CREATE INDEX "Decision_phoneNumberHash_id_idx" ON "Decision"("phoneNumberHash", "id");

-- CreateIndex
CREATE INDEX "Decision_subjectId_id_idx" ON "Decision"("subjectId", "id");

