import { router } from "../../trpc";
import { metricsHealthEventsProcedure } from "./health-events";
import { metricsSeriesProcedure } from "./series";

export const metricsRouter = router({ series: metricsSeriesProcedure, healthEvents: metricsHealthEventsProcedure });
