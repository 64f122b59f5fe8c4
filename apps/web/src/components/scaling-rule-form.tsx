"use client";

import { useMutation } from "@tanstack/react-query";
import { createScalingRuleInputSchema, SCALING_METRIC_TYPES } from "@weir/config/api";
import { useState } from "react";
import { useTRPC } from "@/lib/trpc";
import { FormFooter, issuesOf, useCreateSubmit } from "./form-footer";

const METRIC_LABELS: Record<(typeof SCALING_METRIC_TYPES)[number], string> = {
  rps_per_backend: "requests/s per backend",
  connections_per_backend: "connections per backend",
  p95_latency_ms: "p95 latency (ms)",
  error_rate: "error rate (0–1)",
};

/**
 * A new scaling rule for a pool: one metric and its target, the bounds, the windows, and the
 * actuator that adds and removes capacity. Validated with the API's schema while typing.
 */
export function ScalingRuleForm(props: { poolId: string; poolName: string; versions: string[]; onCancel: () => void }) {
  const trpc = useTRPC();
  const [name, setName] = useState(`${props.poolName}-autoscale`);
  const [version, setVersion] = useState("");
  const [metric, setMetric] = useState<(typeof SCALING_METRIC_TYPES)[number]>("rps_per_backend");
  const [target, setTarget] = useState("50");
  const [min, setMin] = useState("1");
  const [max, setMax] = useState("5");
  const [upWindow, setUpWindow] = useState("0");
  const [downWindow, setDownWindow] = useState("300");
  const [kind, setKind] = useState<"process" | "webhook" | "kubernetes">("process");
  const [agent, setAgent] = useState("local");
  const [command, setCommand] = useState("node apps/demo/dist/backend.mjs --port {port} --version {version}");
  const [ports, setPorts] = useState("9111-9130");
  const [url, setUrl] = useState("");
  const [secret, setSecret] = useState("");
  const [namespace, setNamespace] = useState("default");
  const [deployment, setDeployment] = useState("");
  const [containerPort, setContainerPort] = useState("8080");
  const create = useMutation(trpc.scaling.create.mutationOptions());

  const [from, to] = ports.split("-").map((p) => Number(p.trim()));
  const actuator =
    kind === "process"
      ? { kind, agent, commandTemplate: command, portRange: { from, to } }
      : kind === "webhook"
        ? { kind, url, secret }
        : { kind, namespace, deployment, port: Number(containerPort) };
  const input = {
    name,
    poolId: props.poolId,
    ...(version ? { versionLabel: version } : {}),
    metrics: [{ type: metric, target: Number(target) }],
    minBackends: Number(min),
    maxBackends: Number(max),
    scaleUpWindowSec: Number(upWindow),
    scaleDownWindowSec: Number(downWindow),
    actuator,
  };
  const check = createScalingRuleInputSchema.safeParse(input);
  const problems = issuesOf(check.error, "rule");

  const { submit, error } = useCreateSubmit(check.success, async () => {
    const created = await create.mutateAsync(input as never);
    return `/scaling/${created.id}`;
  });

  const text = (label: string, value: string, set: (v: string) => void, type = "text") => (
    <label>
      {label}
      <input type={type} value={value} onChange={(e) => set(e.target.value)} />
    </label>
  );
  return (
    <form className="panel inline-form" aria-label="New scaling rule" onSubmit={submit}>
      {text("Name", name, setName)}
      <label>
        Scale
        <select value={version} onChange={(e) => setVersion(e.target.value)}>
          <option value="">the whole pool</option>
          {props.versions.map((v) => (
            <option key={v} value={v}>
              version {v}
            </option>
          ))}
        </select>
      </label>
      <label>
        Metric
        <select value={metric} onChange={(e) => setMetric(e.target.value as typeof metric)}>
          {SCALING_METRIC_TYPES.map((m) => (
            <option key={m} value={m}>
              {METRIC_LABELS[m]}
            </option>
          ))}
        </select>
      </label>
      {text("Target", target, setTarget, "number")}
      {text("Min backends", min, setMin, "number")}
      {text("Max backends", max, setMax, "number")}
      {text("Scale-up window (s)", upWindow, setUpWindow, "number")}
      {text("Scale-down window (s)", downWindow, setDownWindow, "number")}
      <label>
        Actuator
        <select value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
          <option value="process">process (agent starts backends)</option>
          <option value="webhook">webhook</option>
          <option value="kubernetes">Kubernetes Deployment</option>
        </select>
      </label>
      {kind === "process" && (
        <>
          {text("Agent", agent, setAgent)}
          {text("Command ({port}, {version})", command, setCommand)}
          {text("Ports", ports, setPorts)}
        </>
      )}
      {kind === "webhook" && (
        <>
          {text("URL", url, setUrl)}
          {text("HMAC secret", secret, setSecret, "password")}
        </>
      )}
      {kind === "kubernetes" && (
        <>
          {text("Namespace", namespace, setNamespace)}
          {text("Deployment", deployment, setDeployment)}
          {text("Container port", containerPort, setContainerPort, "number")}
        </>
      )}
      <FormFooter
        submitLabel="Create rule"
        disabled={!check.success || create.isPending}
        onCancel={props.onCancel}
        problems={problems}
        error={error}
      />
    </form>
  );
}
