-- AlterTable
ALTER TABLE "agents" ADD COLUMN     "listenerFailures" JSONB NOT NULL DEFAULT '[]';
