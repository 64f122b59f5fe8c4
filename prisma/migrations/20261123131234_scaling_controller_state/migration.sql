-- AlterTable
ALTER TABLE "scaling_rules" ADD COLUMN     "controllerState" JSONB NOT NULL DEFAULT '{}';
