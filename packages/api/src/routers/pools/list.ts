import { listPools } from "../../domain/pools/list-pools";
import { publicProcedure } from "../../trpc";

export const listPoolsProcedure = publicProcedure.query(({ ctx }) => listPools({ db: ctx.db }));
