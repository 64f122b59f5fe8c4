"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { CanaryStep, RolloutSpec } from "@weir/config/api";
import Link from "next/link";
import { useParams } from "next/navigation";
import { useState } from "react";
import { QueryState } from "@/components/query-state";
import { RolloutCharts } from "@/components/rollout-charts";
import { usePoolLive } from "@/lib/live";
import { refetchAfterChange } from "@/lib/refresh";
import { useSession } from "@/lib/session";
import { useTRPC } from "@/lib/trpc";

type Command = "start" | "pause" | "resume" | "promote" | "promoteFull" | "abort" | "retry" | "rollback";

/** Which controls make sense in which status (the API refuses the others anyway, saying why). */
const CONTROLS: Record<string, Command[]> = {
  pending: ["start"],
  progressing: ["pause", "promote", "promoteFull", "abort"],
  paused: ["resume", "promote", "promoteFull", "abort"],
  aborted: ["retry"],
  degraded: ["retry"],
  succeeded: ["rollback"],
  rolled_back: [],
};
const LABELS: Record<Command, string> = {
  start: "Start",
  pause: "Pause",
  resume: "Resume",
  promote: "Promote",
  promoteFull: "Promote fully",
  abort: "Abort",
  retry: "Retry",
  rollback: "Roll back",
};
const CONFIRM: Partial<Record<Command, string>> = {
  promoteFull: "Send all traffic to the new version now, skipping the remaining steps and analysis?",
  abort: "Abort the rollout and send all traffic back to the stable version?",
  rollback: "Roll back: all traffic to the previous stable version?",
};

function stepText(step: CanaryStep): string {
  if (step.setWeight !== undefined) return `Set weight ${step.setWeight}%`;
  if (step.pause !== undefined)
    return step.pause.durationMs === undefined ? "Pause until promoted" : `Pause ${step.pause.durationMs / 1000} s`;
  return `Analyse over ${(step.analysis?.windowMs ?? 0) / 1000} s`;
}

export default function RolloutPage() {
  const { id } = useParams<{ id: string }>();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { canEdit } = useSession();
  // Fresh by events (the hub's `invalidate`), with a slow poll as a safety net.
  const rollout = useQuery(trpc.rollouts.get.queryOptions({ id }, { refetchInterval: 5000 }));
  const live = usePoolLive(rollout.data?.pool ?? "");
  const [notice, setNotice] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const refresh = () => refetchAfterChange(queryClient, { queryKey: trpc.rollouts.get.queryKey({ id }) });
  const handlers = {
    onSuccess: () => {
      setNotice(null);
      void refresh();
    },
    onError: (error: { message: string }) => setNotice({ kind: "error", text: error.message }),
  };
  const mutations = {
    start: useMutation(trpc.rollouts.start.mutationOptions(handlers)),
    pause: useMutation(trpc.rollouts.pause.mutationOptions(handlers)),
    resume: useMutation(trpc.rollouts.resume.mutationOptions(handlers)),
    promote: useMutation(trpc.rollouts.promote.mutationOptions(handlers)),
    abort: useMutation(trpc.rollouts.abort.mutationOptions(handlers)),
    retry: useMutation(trpc.rollouts.retry.mutationOptions(handlers)),
    rollback: useMutation(trpc.rollouts.rollback.mutationOptions(handlers)),
  };
  const run = (command: Command) => {
    const question = CONFIRM[command];
    if (question && !window.confirm(question)) return;
    if (command === "promote" || command === "promoteFull")
      mutations.promote.mutate({ id, full: command === "promoteFull" });
    else mutations[command].mutate({ id });
  };
  const busy = Object.values(mutations).some((m) => m.isPending);

  if (!rollout.isSuccess) return <QueryState query={rollout} loading="Loading rollout…" />;
  const r = rollout.data;
  const spec = r.spec as RolloutSpec;
  const waiting = r.stepStartedAt === null && (r.status === "progressing" || r.status === "paused");
  // At a pause without a duration only promote moves on; resume would be refused.
  const current = spec.strategy === "canary" ? spec.steps[r.currentStep] : undefined;
  const awaitingPromotion = current?.pause !== undefined && current.pause.durationMs === undefined && !waiting;
  const steps: string[] =
    spec.strategy === "canary"
      ? [...spec.steps.map(stepText), "Final analysis", "Complete: 100% to the new version"]
      : [
          `Preview: only requests with ${spec.blueGreen.previewMatch.header ? `header ${spec.blueGreen.previewMatch.header.name}` : `cookie ${spec.blueGreen.previewMatch.cookie?.name}`}: ${r.newVersion} reach ${r.newVersion}`,
          `Switched: 100% to ${r.newVersion}; ${r.stableVersion} held ready ${spec.blueGreen.holdMs / 1000} s`,
        ];

  return (
    <section aria-labelledby="rollout-heading">
      <p className="small">
        <Link href="/rollouts">Rollouts</Link> / <Link href={`/pools/${r.pool}`}>{r.pool}</Link>
      </p>
      <h1 id="rollout-heading">
        {r.pool}: {r.stableVersion} → {r.newVersion}
      </h1>
      <p className="muted">
        {r.strategy === "canary" ? "Canary" : "Blue-green"} · created by {r.createdBy ?? "system"}{" "}
        {new Date(r.createdAt).toLocaleString()}
      </p>
      <dl className="stats" aria-label="Where the rollout stands">
        <div>
          <dt>Status</dt>
          <dd data-testid="rollout-status" className={`status-${r.status}`}>
            {r.status.replace("_", " ")}
          </dd>
        </div>
        <div>
          <dt>Traffic to {r.newVersion}</dt>
          <dd data-testid="rollout-weight">{r.currentWeight}%</dd>
        </div>
        <div>
          <dt>Failed checks</dt>
          <dd>
            {r.failedChecks} / {spec.analysis.failureLimit}
          </dd>
        </div>
      </dl>
      {r.message && (
        <p className={r.status === "degraded" ? "error" : "muted"} data-testid="rollout-message">
          {r.message}
        </p>
      )}
      {notice && (
        <p role="alert" className="error">
          {notice.text}
        </p>
      )}
      {canEdit && (
        <div className="actions">
          {(CONTROLS[r.status] ?? [])
            .filter((command) => !(awaitingPromotion && command === "resume"))
            .map((command) => (
              <button
                key={command}
                type="button"
                className={command === "abort" || command === "rollback" ? "small-button danger" : "small-button"}
                disabled={busy}
                onClick={() => run(command)}
              >
                {LABELS[command]}
              </button>
            ))}
        </div>
      )}
      <h2 className="small">Steps</h2>
      <ol className="steps" aria-label="Steps">
        {steps.map((text, i) => {
          const state =
            i < r.currentStep || r.status === "succeeded"
              ? "done"
              : i === r.currentStep && (r.status === "progressing" || r.status === "paused")
                ? "current"
                : "todo";
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: steps are fixed for a rollout
            <li key={i} className={`step step-${state}`} aria-current={state === "current" ? "step" : undefined}>
              <span className="step-mark">{state === "done" ? "✓" : state === "current" ? "▶" : "·"}</span> {text}
              {state === "current" && waiting && (
                <span className="muted small"> (waiting for every agent to apply it)</span>
              )}
            </li>
          );
        })}
      </ol>
      <h2 className="small">Stable against new, live</h2>
      <RolloutCharts
        ticks={live.ticks}
        stable={r.stableVersion}
        next={r.newVersion}
        minSuccessRate={spec.analysis.minSuccessRate}
        maxP95Ms={spec.analysis.maxP95Ms}
      />
      <h2 className="small">Analysis verdicts</h2>
      {r.analysisRuns.length === 0 && <p className="muted small">No verdict yet.</p>}
      <ol className="events" aria-label="Analysis verdicts">
        {r.analysisRuns.map((run) => (
          <li key={`${run.at}-${run.step}`} className="small">
            <time dateTime={run.at}>{new Date(run.at).toLocaleTimeString()}</time>{" "}
            <span className={run.verdict === "failed" ? "error" : run.verdict === "successful" ? "ok" : "warn"}>
              {run.verdict}
            </span>{" "}
            {run.reason}
          </li>
        ))}
      </ol>
    </section>
  );
}
