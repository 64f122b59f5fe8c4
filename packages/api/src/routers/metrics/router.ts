import { router } from "../../trpc";
import { metricsSeriesProcedure } from "./series";

export const metricsRouter = router({ series: metricsSeriesProcedure });
