import { toggleScalingRuleProcedure } from "./toggle";

export const disableScalingRuleProcedure = toggleScalingRuleProcedure(
  "disable",
  "Turn a scaling rule off: its backends stay as they are",
);
