-- CreateTable
CREATE TABLE "sticky_keys" (
    "id" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sticky_keys_pkey" PRIMARY KEY ("id")
);
