-- CreateTable
CREATE TABLE "ActivePolicy" (
    "policyId" TEXT NOT NULL PRIMARY KEY,
    "version" TEXT NOT NULL,
    "activatedAt" DATETIME NOT NULL,
    "activatedBy" TEXT NOT NULL,
    "revision" INTEGER NOT NULL
);

-- CreateTable
CREATE TABLE "SignalCacheEntry" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "subjectHash" TEXT NOT NULL,
    "answer" TEXT NOT NULL,
    "storedAt" DATETIME NOT NULL,
    "expiresAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "RateLimitWindow" (
    "apiKeyId" TEXT NOT NULL,
    "windowStart" BIGINT NOT NULL,
    "count" INTEGER NOT NULL,

    PRIMARY KEY ("apiKeyId", "windowStart")
);

-- CreateIndex
CREATE INDEX "SignalCacheEntry_subjectHash_idx" ON "SignalCacheEntry"("subjectHash");

-- CreateIndex
CREATE INDEX "SignalCacheEntry_expiresAt_idx" ON "SignalCacheEntry"("expiresAt");

