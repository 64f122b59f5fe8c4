import { router } from "../../trpc";
import { setDemoTrafficProcedure } from "./set-traffic";
import { demoTrafficProcedure } from "./traffic";

export const demoRouter = router({
  traffic: demoTrafficProcedure,
  setTraffic: setDemoTrafficProcedure,
});
