-- AlterTable
ALTER TABLE "rollouts" ADD COLUMN     "routingConfigVersion" INTEGER;
