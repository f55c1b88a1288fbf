-- AlterTable
ALTER TABLE "Decision" ADD COLUMN "apiKeyId" TEXT;

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "label" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "scopes" TEXT NOT NULL,
    "useCases" TEXT,
    "rateLimitPerSecond" INTEGER,
    "createdAt" DATETIME NOT NULL,
    "revokedAt" DATETIME
);

-- CreateTable
CREATE TABLE "IdempotencyRecord" (
    "apiKeyId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "decisionId" TEXT,
    "createdAt" DATETIME NOT NULL,

    PRIMARY KEY ("apiKeyId", "key")
);

-- CreateIndex
CREATE INDEX "IdempotencyRecord_createdAt_idx" ON "IdempotencyRecord"("createdAt");

-- CreateIndex
CREATE INDEX "IdempotencyRecord_decisionId_idx" ON "IdempotencyRecord"("decisionId");

