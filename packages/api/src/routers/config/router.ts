import { router } from "../../trpc";
import { validateProcedure } from "./validate";

export const configRouter = router({ validate: validateProcedure });
