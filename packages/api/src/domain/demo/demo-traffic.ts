import { type DemoTraffic, demoTrafficSchema } from "@weir/config/api";
import { apiError } from "../../errors";

/** Where `npm start` runs the demo traffic generator's control endpoint (WEIR_DEMO_TRAFFIC_CONTROL). */
export const DEFAULT_DEMO_TRAFFIC_CONTROL = "127.0.0.1:9199";

/** What the generator answers: the DTO without where the control plane reached it. */
const statsSchema = demoTrafficSchema.omit({ control: true });

/**
 * The demo traffic generator (apps/demo/src/traffic.ts) through its control endpoint: `GET /` for
 * its rate and counts, `PUT /rate` to change the rate. The control plane only forwards; when
 * nothing answers there the caller gets WEIR_E_DEMO_TRAFFIC_UNAVAILABLE saying where it looked.
 */
export async function demoTraffic(options: { control: string; rate?: number }): Promise<DemoTraffic> {
  const { control } = options;
  const url = `http://${control}${options.rate === undefined ? "/" : "/rate"}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: options.rate === undefined ? "GET" : "PUT",
      ...(options.rate !== undefined
        ? { headers: { "content-type": "application/json" }, body: JSON.stringify({ rate: options.rate }) }
        : {}),
      redirect: "manual",
      signal: AbortSignal.timeout(3_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw apiError(
      "WEIR_E_DEMO_TRAFFIC_UNAVAILABLE",
      `No demo traffic generator answers at ${control}${cause ? ` (${cause})` : ""}. \`npm start\` runs one there; elsewhere set WEIR_DEMO_TRAFFIC_CONTROL to its --control address.`,
    );
  }
  const text = await response.text().catch(() => "");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (response.status === 400) {
    const message = (body as { message?: unknown } | undefined)?.message;
    throw apiError("WEIR_E_INVALID_INPUT", typeof message === "string" ? message : "rate: refused by the generator", {
      field: "rate",
    });
  }
  const stats = statsSchema.safeParse(body);
  if (response.status !== 200 || !stats.success) {
    throw apiError(
      "WEIR_E_DEMO_TRAFFIC_UNAVAILABLE",
      `What answers at ${control} is not the demo traffic generator (HTTP ${response.status}).`,
    );
  }
  return { ...stats.data, control };
}
