import { router } from "../../trpc";
import { createScalingRuleProcedure } from "./create";
import { scalingDecisionsProcedure } from "./decisions";
import { deleteScalingRuleProcedure } from "./delete";
import { disableScalingRuleProcedure } from "./disable";
import { enableScalingRuleProcedure } from "./enable";
import { getScalingRuleProcedure } from "./get";
import { listScalingRulesProcedure } from "./list";
import { updateScalingRuleProcedure } from "./update";

export const scalingRouter = router({
  list: listScalingRulesProcedure,
  get: getScalingRuleProcedure,
  create: createScalingRuleProcedure,
  update: updateScalingRuleProcedure,
  delete: deleteScalingRuleProcedure,
  enable: enableScalingRuleProcedure,
  disable: disableScalingRuleProcedure,
  decisions: scalingDecisionsProcedure,
});
