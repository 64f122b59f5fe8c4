/**
 * weir-demo-traffic --target http://127.0.0.1:8080 [--rate 20] [--control 127.0.0.1:9199]
 * Each flag may also come from the environment: TARGET, RATE, CONTROL.
 *
 * With --control, a small HTTP endpoint reports and changes the rate:
 *   GET  /      → {"rate":20,"sent":…,"byStatus":{…}}
 *   PUT  /rate  → body {"rate": 50}
 */
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { z } from "zod";
import { startTraffic } from "./traffic-generator";

const { values } = parseArgs({
  options: { target: { type: "string" }, rate: { type: "string" }, control: { type: "string" } },
});
const schema = z.object({
  target: z.url({ protocol: /^http$/, error: "must be an http:// URL" }),
  rate: z.coerce.number().min(0).max(100_000).default(20),
  control: z
    .string()
    .regex(/^[^:]+:\d+$/, "must be host:port")
    .optional(),
});
const parsed = schema.safeParse({
  target: values.target ?? process.env.TARGET,
  rate: values.rate ?? process.env.RATE,
  control: values.control ?? process.env.CONTROL,
});
if (!parsed.success) {
  for (const issue of parsed.error.issues) process.stderr.write(`--${issue.path.join(".")}: ${issue.message}\n`);
  process.exit(2);
}
const options = parsed.data;
const traffic = startTraffic({ target: options.target, rate: options.rate });
process.stdout.write(`demo traffic: ${options.rate} requests/s to ${options.target}\n`);

const summary = setInterval(() => {
  const s = traffic.stats();
  process.stdout.write(`demo traffic: ${s.sent} sent, answers ${JSON.stringify(s.byStatus)}\n`);
}, 60_000);

const rateSchema = z.strictObject({ rate: z.number().min(0).max(100_000) });
const control = options.control
  ? createServer((req, res) => {
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(value));
      };
      if (req.method === "GET" && req.url === "/") return json(200, traffic.stats());
      if ((req.method === "PUT" || req.method === "POST") && req.url === "/rate") {
        let body = "";
        req.setEncoding("utf8");
        req.on("data", (chunk: string) => {
          body += chunk;
          if (body.length > 1024) req.destroy();
        });
        req.on("end", () => {
          let input: unknown;
          try {
            input = JSON.parse(body);
          } catch {
            return json(400, { code: "WEIR_E_INVALID_INPUT", message: 'body: must be JSON like {"rate": 50}' });
          }
          const r = rateSchema.safeParse(input);
          if (!r.success)
            return json(400, {
              code: "WEIR_E_INVALID_INPUT",
              message: `rate: ${r.error.issues[0]?.message}`,
              field: "rate",
            });
          traffic.setRate(r.data.rate);
          json(200, traffic.stats());
        });
        return;
      }
      json(404, { code: "WEIR_E_NOT_FOUND", message: "GET / or PUT /rate" });
    })
  : undefined;
if (control && options.control) {
  const colon = options.control.lastIndexOf(":");
  control.listen(Number(options.control.slice(colon + 1)), options.control.slice(0, colon));
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    clearInterval(summary);
    control?.close();
    void traffic.stop().then(() => process.exit(0));
  });
}
