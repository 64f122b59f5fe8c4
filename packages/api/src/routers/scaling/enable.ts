import { toggleScalingRuleProcedure } from "./toggle";

export const enableScalingRuleProcedure = toggleScalingRuleProcedure(
  "enable",
  "Turn a scaling rule on: the controller evaluates it again",
);
