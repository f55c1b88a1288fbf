-- CreateTable
CREATE TABLE "PolicyVersion" (
    "policyId" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "firstLoadedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PolicyVersion_pkey" PRIMARY KEY ("policyId","version")
);

