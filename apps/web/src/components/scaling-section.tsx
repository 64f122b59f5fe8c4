"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useTRPC } from "@/lib/trpc";
import { ScalingRuleForm } from "./scaling-rule-form";

/** A pool's scaling rules, where each stands, and a form for a new one. */
export function ScalingSection(props: { poolId: string; poolName: string; versions: string[]; canEdit: boolean }) {
  const trpc = useTRPC();
  const rules = useQuery(trpc.scaling.list.queryOptions({ poolId: props.poolId }, { refetchInterval: 5000 }));
  const [creating, setCreating] = useState(false);
  return (
    <section aria-label="Scaling" className="spaced">
      <h2 className="small">Scaling</h2>
      {rules.isError && (
        <p role="alert" className="error small">
          {rules.error.message}
        </p>
      )}
      {rules.data?.length === 0 && <p className="muted small">No scaling rule: the pool keeps the backends it has.</p>}
      {rules.data && rules.data.length > 0 && (
        <ul className="events" aria-label="Scaling rules">
          {rules.data.map((r) => (
            <li key={r.id} className="small">
              <Link href={`/scaling/${r.id}`}>{r.name}</Link>{" "}
              <span className={r.enabled ? "ok" : "muted"}>{r.enabled ? "enabled" : "disabled"}</span> ·{" "}
              {r.status.current} backends (desired {r.status.desired ?? "–"}, {r.minBackends}–{r.maxBackends}) ·{" "}
              {r.metrics.map((m) => `${m.type.replaceAll("_", " ")} → ${m.target}`).join(", ")} · {r.actuator.kind}
            </li>
          ))}
        </ul>
      )}
      {props.canEdit &&
        (creating ? (
          <ScalingRuleForm
            poolId={props.poolId}
            poolName={props.poolName}
            versions={props.versions}
            onCancel={() => setCreating(false)}
          />
        ) : (
          <button type="button" className="small-button" onClick={() => setCreating(true)}>
            New scaling rule
          </button>
        ))}
    </section>
  );
}
