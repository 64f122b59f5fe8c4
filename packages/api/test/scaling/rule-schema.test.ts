import {
  applyScalingRulePatch,
  createScalingRuleInputSchema,
  publicScalingActuator,
  renderCommand,
  type ScalingRuleSpecInput,
  scalingRuleColumns,
  scalingRuleSpecFromColumns,
  scalingRuleSpecSchema,
  splitCommandTemplate,
  updateScalingRuleInputSchema,
} from "@weir/config/api";
import { describe, expect, it } from "vitest";

// The schemas live in @weir/config; their tests sit here with the rest of the scaling work.

const processRule = {
  name: "web-rps",
  poolId: "pool_1",
  metrics: [{ type: "rps_per_backend", target: 100 }],
  actuator: {
    kind: "process",
    agent: "edge-1",
    commandTemplate: "node apps/demo/dist/backend.mjs --port {port} --version {version}",
    portRange: { from: 9100, to: 9199 },
  },
} satisfies ScalingRuleSpecInput;

const webhookActuator = {
  kind: "webhook",
  url: "https://scaler.example.com/hook",
  secret: "0123456789abcdef",
} as const;

describe("scaling rule schema", () => {
  it("fills the HPA's defaults", () => {
    expect(scalingRuleSpecSchema.parse(processRule)).toEqual({
      ...processRule,
      versionLabel: null,
      enabled: true,
      minBackends: 1,
      maxBackends: 10,
      tolerance: 0.1,
      scaleUpWindowSec: 0,
      scaleDownWindowSec: 300,
      policies: {
        up: [
          { type: "backends", value: 4, periodSec: 15 },
          { type: "percent", value: 100, periodSec: 15 },
        ],
        down: [{ type: "percent", value: 100, periodSec: 15 }],
        selectPolicy: { up: "max", down: "max" },
      },
      missingMetrics: "hold",
      fallbackBackends: null,
      actuator: { ...processRule.actuator, host: "127.0.0.1", startupTimeoutMs: 30_000, stopGraceMs: 10_000 },
    });
  });

  it("goes to the row's columns and back unchanged", () => {
    const spec = scalingRuleSpecSchema.parse({
      ...processRule,
      actuator: webhookActuator,
      policies: { down: [{ type: "backends", value: 1, periodSec: 60 }], selectPolicy: "min" },
    });
    const columns = scalingRuleColumns(spec);
    expect(columns.actuator).toBe("webhook");
    expect(columns.actuatorConfig).toEqual({
      url: webhookActuator.url,
      secret: webhookActuator.secret,
      timeoutMs: 5000,
      retries: 3,
    });
    expect(scalingRuleSpecFromColumns(JSON.parse(JSON.stringify(columns)))).toEqual(spec);
  });

  const refusals: Array<[string, Record<string, unknown>, string, string]> = [
    ["min above max", { minBackends: 5, maxBackends: 3 }, "maxBackends", "must be at least minBackends (5)"],
    ["min 0", { minBackends: 0 }, "minBackends", "must be 1 to 1000"],
    ["tolerance 1.5", { tolerance: 1.5 }, "tolerance", "must be 0 to 0.9"],
    ["window over an hour", { scaleDownWindowSec: 7200 }, "scaleDownWindowSec", "must be 0 to 3600 s"],
    ["no metric", { metrics: [] }, "metrics", "must have at least one metric"],
    [
      "a metric twice",
      {
        metrics: [
          { type: "rps_per_backend", target: 1 },
          { type: "rps_per_backend", target: 2 },
        ],
      },
      "metrics.1.type",
      "must not repeat rps_per_backend",
    ],
    [
      "an unknown metric",
      { metrics: [{ type: "cpu", target: 1 }] },
      "metrics.0.type",
      "must be one of rps_per_backend",
    ],
    ["error rate above 1", { metrics: [{ type: "error_rate", target: 5 }] }, "metrics.0.target", "0.05 = 5%"],
    ["a zero target", { metrics: [{ type: "p95_latency_ms", target: 0 }] }, "metrics.0.target", "must be above 0"],
    ["fallback_count without a count", { missingMetrics: "fallback_count" }, "fallbackBackends", "is required"],
    [
      "a fallback count above max",
      { missingMetrics: "fallback_count", fallbackBackends: 50 },
      "fallbackBackends",
      "must be within minBackends and maxBackends (1 to 10)",
    ],
    [
      "a fallback count with hold",
      { fallbackBackends: 3 },
      "fallbackBackends",
      'unless missingMetrics is "fallback_count"',
    ],
    ["an unknown missing-metrics behaviour", { missingMetrics: "panic" }, "missingMetrics", 'must be "hold"'],
    ["no scale-up policy", { policies: { up: [] } }, "policies.up", 'set selectPolicy.up to "disabled"'],
    [
      "a policy period over 30 min",
      { policies: { down: [{ type: "percent", value: 10, periodSec: 3600 }] } },
      "policies.down.0.periodSec",
      "must be 1 to 1800 s",
    ],
    [
      "a policy type",
      { policies: { up: [{ type: "pods", value: 1, periodSec: 1 }] } },
      "policies.up.0.type",
      '"backends" or "percent"',
    ],
    [
      "a select policy",
      { policies: { selectPolicy: "fastest" } },
      "policies.selectPolicy",
      '"max", "min" or "disabled"',
    ],
    [
      "an unknown actuator",
      { actuator: { kind: "lambda" } },
      "actuator.kind",
      'must be "process", "kubernetes" or "webhook"',
    ],
    [
      "a typo in a placeholder",
      { actuator: { ...processRule.actuator, commandTemplate: "node b.mjs --port {prot}" } },
      "actuator.commandTemplate",
      "unknown placeholder {prot}",
    ],
    [
      "a template without {port}",
      { actuator: { ...processRule.actuator, commandTemplate: "node b.mjs" } },
      "actuator.commandTemplate",
      "must contain {port}",
    ],
    [
      "a reversed port range",
      { actuator: { ...processRule.actuator, portRange: { from: 9200, to: 9100 } } },
      "actuator.portRange.to",
      "must be at least portRange.from (9200)",
    ],
    [
      "a port range smaller than max",
      { maxBackends: 20, actuator: { ...processRule.actuator, portRange: { from: 9100, to: 9109 } } },
      "actuator.portRange",
      "holds 10 ports, fewer than maxBackends (20)",
    ],
    [
      "a process version other than the rule's",
      { versionLabel: "v2", actuator: { ...processRule.actuator, versionLabel: "v1" } },
      "actuator.versionLabel",
      'must be the rule\'s versionLabel "v2"',
    ],
    [
      "a drain timeout over an hour",
      { actuator: { ...processRule.actuator, drainTimeoutMs: 4_000_000 } },
      "actuator.drainTimeoutMs",
      "must be 1000 to 3600000 ms (1 s to 1 h)",
    ],
    [
      "kubernetes out of cluster without an API server",
      { actuator: { kind: "kubernetes", namespace: "shop", deployment: "web", port: 8080, tokenSecret: "t" } },
      "actuator.apiServer",
      "is required unless inCluster is true",
    ],
    [
      "kubernetes without a token",
      {
        actuator: {
          kind: "kubernetes",
          apiServer: "https://k8s:6443",
          namespace: "shop",
          deployment: "web",
          port: 8080,
        },
      },
      "actuator.tokenSecret",
      "is required unless inCluster is true",
    ],
    [
      "kubernetes in cluster with a token",
      {
        actuator: {
          kind: "kubernetes",
          inCluster: true,
          tokenSecret: "t",
          namespace: "shop",
          deployment: "web",
          port: 8080,
        },
      },
      "actuator.tokenSecret",
      "must be left out with inCluster",
    ],
    [
      "kubernetes over plain http with TLS checks on",
      {
        actuator: {
          kind: "kubernetes",
          apiServer: "http://k8s:8080",
          tokenSecret: "t",
          namespace: "shop",
          deployment: "web",
          port: 8080,
        },
      },
      "actuator.insecureSkipTlsVerify",
      "must be true for an http:// apiServer",
    ],
    [
      "a namespace with capitals",
      { actuator: { kind: "kubernetes", inCluster: true, namespace: "Shop", deployment: "web", port: 8080 } },
      "actuator.namespace",
      "a DNS label",
    ],
    [
      "a short webhook secret",
      { actuator: { ...webhookActuator, secret: "short" } },
      "actuator.secret",
      "at least 16 characters",
    ],
    [
      "a webhook URL that is not http",
      { actuator: { ...webhookActuator, url: "ftp://scaler.example.com/" } },
      "actuator.url",
      "must be an http:// or https:// URL",
    ],
    ["webhook retries", { actuator: { ...webhookActuator, retries: 50 } }, "actuator.retries", "must be 0 to 10"],
  ];

  it.each(refusals)("refuses %s, naming %s", (_name, change, path, message) => {
    const result = createScalingRuleInputSchema.safeParse({ ...processRule, ...change });
    expect(result.success).toBe(false);
    const issue = result.error?.issues.find((i) => i.path.join(".") === path);
    expect(issue, JSON.stringify(result.error?.issues)).toBeDefined();
    expect(issue?.message).toContain(message);
  });

  it("never shows secrets in answers", () => {
    const webhook = scalingRuleSpecSchema.parse({ ...processRule, actuator: webhookActuator }).actuator;
    expect(publicScalingActuator(webhook)).toEqual({
      kind: "webhook",
      url: webhookActuator.url,
      timeoutMs: 5000,
      retries: 3,
      secretSet: true,
    });
    const k8s = scalingRuleSpecSchema.parse({
      ...processRule,
      actuator: {
        kind: "kubernetes",
        apiServer: "https://k8s:6443",
        tokenSecret: "tok",
        namespace: "a",
        deployment: "b",
        port: 80,
      },
    }).actuator;
    expect(JSON.stringify(publicScalingActuator(k8s))).not.toContain('tok"');
    expect(publicScalingActuator(k8s)).toMatchObject({ tokenSecretSet: true });
  });
});

describe("editing a scaling rule", () => {
  const stored = scalingRuleSpecSchema.parse({ ...processRule, actuator: webhookActuator, minBackends: 2 });

  it("keeps what the edit leaves out, including the stored secret", () => {
    const patch = updateScalingRuleInputSchema.parse({
      id: "rule_1",
      version: 3,
      maxBackends: 20,
      actuator: { kind: "webhook", url: "https://other.example.com/hook", retries: 1 },
    });
    const next = applyScalingRulePatch(stored, patch);
    expect(next.maxBackends).toBe(20);
    expect(next.minBackends).toBe(2);
    expect(next.actuator).toEqual({
      kind: "webhook",
      url: "https://other.example.com/hook",
      secret: webhookActuator.secret,
      timeoutMs: 5000,
      retries: 1,
    });
  });

  it("checks the merged rule across fields", () => {
    const patch = updateScalingRuleInputSchema.parse({ id: "rule_1", version: 3, maxBackends: 1 });
    expect(() => applyScalingRulePatch(stored, patch)).toThrow("must be at least minBackends (2)");
  });

  it("needs the secret when the actuator changes kind to webhook", () => {
    const fromProcess = scalingRuleSpecSchema.parse(processRule);
    const patch = updateScalingRuleInputSchema.parse({
      id: "rule_1",
      version: 1,
      actuator: { kind: "webhook", url: "https://scaler.example.com/hook" },
    });
    let caught: unknown;
    try {
      applyScalingRulePatch(fromProcess, patch);
    } catch (error) {
      caught = error;
    }
    expect((caught as { issues: Array<{ path: unknown[] }> }).issues.map((i) => i.path.join("."))).toEqual([
      "actuator.secret",
    ]);
  });
});

describe("command templates", () => {
  const cases: Array<[string, string[]]> = [
    ["node backend.mjs --port {port}", ["node", "backend.mjs", "--port", "{port}"]],
    ["  node\tbackend.mjs   --port={port}  ", ["node", "backend.mjs", "--port={port}"]],
    [`"/opt/my app/bin/server" --port {port}`, ["/opt/my app/bin/server", "--port", "{port}"]],
    [`server --name 'a "quoted" word' --port {port}`, ["server", "--name", 'a "quoted" word', "--port", "{port}"]],
    [`server --say "she said \\"hi\\"" --port {port}`, ["server", "--say", 'she said "hi"', "--port", "{port}"]],
    [`server a\\ b --port {port}`, ["server", "a b", "--port", "{port}"]],
    [`server '' --port {port}`, ["server", "", "--port", "{port}"]],
    [`server --json '{"a":1}' --port {port}`, ["server", "--json", '{"a":1}', "--port", "{port}"]],
    [`server $HOME;rm --port {port}`, ["server", "$HOME;rm", "--port", "{port}"]],
  ];
  it.each(cases)("splits %s", (template, argv) => {
    expect(splitCommandTemplate(template)).toEqual(argv);
  });

  it("fills placeholders inside words, after splitting", () => {
    expect(
      renderCommand(splitCommandTemplate("srv --listen=127.0.0.1:{port} --tag {version}-{port}"), {
        port: 9001,
        version: "v2",
      }),
    ).toEqual({
      command: "srv",
      args: ["--listen=127.0.0.1:9001", "--tag", "v2-9001"],
    });
  });

  it.each([
    ["", "must name a command"],
    ["server 'open --port {port}", "has an unclosed ' quote"],
    ["server --port {port} \\", "must not end with a lone backslash"],
    ["server --port {port}\nrm -rf /", "must be one line"],
    ["server --host {host} --port {port}", "unknown placeholder {host}"],
  ])("refuses %j", (template, message) => {
    expect(() => splitCommandTemplate(template)).toThrow(message);
  });
});
