"use client";

import { useMutation } from "@tanstack/react-query";
import { createRolloutInputSchema } from "@weir/config/api";
import { useState } from "react";
import { useTRPC } from "@/lib/trpc";
import { FormFooter, issuesOf, useCreateSubmit } from "./form-footer";

/**
 * A new rollout of a pool: canary (weights with a pause after each, analysis along the way) or
 * blue-green (preview by header, then switch). The steps field is the usual shorthand
 * "10, 25, 50, 100"; each weight but the last is followed by a pause of the given length (0: wait
 * to be promoted). Validated with the API's schema before anything is sent; created and started.
 */
export function RolloutForm(props: { poolId: string; versions: string[]; onCancel: () => void }) {
  const trpc = useTRPC();
  const [strategy, setStrategy] = useState<"canary" | "blue_green">("canary");
  const [stableVersion, setStable] = useState(props.versions[0] ?? "v1");
  const [newVersion, setNew] = useState(props.versions.find((v) => v !== props.versions[0]) ?? "v2");
  const [weights, setWeights] = useState("10, 25, 50, 100");
  const [pauseSeconds, setPause] = useState("30");
  const [testerHeader, setTesterHeader] = useState("x-canary");
  const [holdSeconds, setHold] = useState("300");
  const [minSuccess, setMinSuccess] = useState("99");
  const [maxP95, setMaxP95] = useState("");
  const [minRequests, setMinRequests] = useState("100");
  const [intervalSeconds, setInterval_] = useState("5");
  const create = useMutation(trpc.rollouts.create.mutationOptions());
  const start = useMutation(trpc.rollouts.start.mutationOptions());

  const steps = () => {
    const list = weights
      .split(",")
      .map((w) => w.trim())
      .filter(Boolean)
      .map(Number);
    const pauseMs = Number(pauseSeconds) * 1000;
    return list.flatMap((w, i) =>
      i === list.length - 1
        ? [{ setWeight: w }]
        : [{ setWeight: w }, { pause: pauseMs > 0 ? { durationMs: pauseMs } : {} }],
    );
  };
  const intervalMs = Number(intervalSeconds) * 1000;
  const analysis = {
    minSuccessRate: Number(minSuccess) / 100,
    minRequests: Number(minRequests),
    intervalMs,
    windowMs: Math.max(intervalMs, 30_000),
    ...(maxP95 !== "" ? { maxP95Ms: Number(maxP95) } : {}),
  };
  const input =
    strategy === "canary"
      ? {
          poolId: props.poolId,
          strategy,
          stableVersion,
          newVersion,
          steps: steps(),
          analysis,
          ...(testerHeader ? { match: { header: { name: testerHeader } } } : {}),
        }
      : {
          poolId: props.poolId,
          strategy,
          stableVersion,
          newVersion,
          analysis,
          blueGreen: {
            previewMatch: { header: { name: testerHeader || "x-preview" } },
            holdMs: Number(holdSeconds) * 1000,
          },
        };
  const check = createRolloutInputSchema.safeParse(input);
  const problems = issuesOf(check.error, "rollout");

  const { submit, error } = useCreateSubmit(check.success, async () => {
    const created = await create.mutateAsync(input as never);
    await start.mutateAsync({ id: created.id });
    return `/rollouts/${created.id}`;
  });

  const versionSelect = (label: string, value: string, set: (v: string) => void) => (
    <label>
      {label}
      <select value={value} onChange={(e) => set(e.target.value)}>
        {props.versions.map((v) => (
          <option key={v} value={v}>
            {v}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <form className="panel inline-form" aria-label="New rollout" onSubmit={submit}>
      <label>
        Strategy
        <select value={strategy} onChange={(e) => setStrategy(e.target.value as "canary" | "blue_green")}>
          <option value="canary">canary</option>
          <option value="blue_green">blue-green</option>
        </select>
      </label>
      {versionSelect("Stable version", stableVersion, setStable)}
      {versionSelect("New version", newVersion, setNew)}
      {strategy === "canary" ? (
        <>
          <label>
            Weights (%)
            <input value={weights} onChange={(e) => setWeights(e.target.value)} />
          </label>
          <label>
            Pause after each (s, 0 = until promoted)
            <input type="number" value={pauseSeconds} onChange={(e) => setPause(e.target.value)} />
          </label>
          <label>
            Tester header (optional)
            <input value={testerHeader} onChange={(e) => setTesterHeader(e.target.value)} />
          </label>
        </>
      ) : (
        <>
          <label>
            Preview header
            <input value={testerHeader} onChange={(e) => setTesterHeader(e.target.value)} />
          </label>
          <label>
            Keep the old version ready (s)
            <input type="number" value={holdSeconds} onChange={(e) => setHold(e.target.value)} />
          </label>
        </>
      )}
      <label>
        Minimum success rate (%)
        <input type="number" step="0.1" value={minSuccess} onChange={(e) => setMinSuccess(e.target.value)} />
      </label>
      <label>
        Maximum p95 (ms, optional)
        <input type="number" value={maxP95} onChange={(e) => setMaxP95(e.target.value)} />
      </label>
      <label>
        Minimum requests before judging
        <input type="number" value={minRequests} onChange={(e) => setMinRequests(e.target.value)} />
      </label>
      <label>
        Analysis every (s)
        <input type="number" value={intervalSeconds} onChange={(e) => setInterval_(e.target.value)} />
      </label>
      <FormFooter
        submitLabel="Create and start"
        disabled={!check.success || create.isPending || start.isPending}
        onCancel={props.onCancel}
        problems={problems}
        error={error}
      />
    </form>
  );
}
