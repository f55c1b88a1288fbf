-- CreateTable
CREATE TABLE "ActivePolicy" (
    "policyId" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "activatedAt" TIMESTAMP(3) NOT NULL,
    "activatedBy" TEXT NOT NULL,
    "revision" INTEGER NOT NULL,

    CONSTRAINT "ActivePolicy_pkey" PRIMARY KEY ("policyId")
);

-- CreateTable
CREATE TABLE "SignalCacheEntry" (
    "key" TEXT NOT NULL,
    "subjectHash" TEXT NOT NULL,
    "answer" TEXT NOT NULL,
    "storedAt" TIMESTAMP(3) NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SignalCacheEntry_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "RateLimitWindow" (
    "apiKeyId" TEXT NOT NULL,
    "windowStart" BIGINT NOT NULL,
    "count" INTEGER NOT NULL,

    CONSTRAINT "RateLimitWindow_pkey" PRIMARY KEY ("apiKeyId","windowStart")
);

-- CreateIndex
CREATE INDEX "SignalCacheEntry_subjectHash_idx" ON "SignalCacheEntry"("subjectHash");

-- CreateIndex
CREATE INDEX "SignalCacheEntry_expiresAt_idx" ON "SignalCacheEntry"("expiresAt");

