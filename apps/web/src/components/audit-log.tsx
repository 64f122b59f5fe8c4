"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/lib/trpc";

const TARGETS = [
  "",
  "pool",
  "backend",
  "listener",
  "route",
  "user",
  "api_token",
  "enrollment_token",
  "rollout",
  "scaling_rule",
];
const SINCE = [
  { label: "any time", hours: 0 },
  { label: "last hour", hours: 1 },
  { label: "last day", hours: 24 },
  { label: "last week", hours: 24 * 7 },
];

/** Who changed what and when, with before and after; filtered by actor, target and time. */
export function AuditLog() {
  const trpc = useTRPC();
  const [actor, setActor] = useState("");
  const [targetType, setTargetType] = useState("");
  const [hours, setHours] = useState(0);
  const [open, setOpen] = useState<string | null>(null);
  // Rounded to the minute so the query key does not change at every render.
  const from =
    hours === 0 ? undefined : new Date(Math.floor(Date.now() / 60_000) * 60_000 - hours * 3600_000).toISOString();
  const events = useQuery(
    trpc.audit.list.queryOptions({
      limit: 50,
      ...(actor.trim() ? { actor: actor.trim() } : {}),
      ...(targetType ? { targetType } : {}),
      ...(from ? { from } : {}),
    }),
  );
  return (
    <section aria-labelledby="audit-heading" className="settings-section">
      <h2 id="audit-heading">Audit log</h2>
      <form className="inline-form" aria-label="Filter the audit log" onSubmit={(e) => e.preventDefault()}>
        <label>
          Actor (email)
          <input value={actor} onChange={(e) => setActor(e.target.value)} placeholder="admin@weir.local" />
        </label>
        <label>
          Target
          <select value={targetType} onChange={(e) => setTargetType(e.target.value)}>
            {TARGETS.map((t) => (
              <option key={t} value={t}>
                {t === "" ? "everything" : t.replaceAll("_", " ")}
              </option>
            ))}
          </select>
        </label>
        <label>
          Since
          <select value={hours} onChange={(e) => setHours(Number(e.target.value))}>
            {SINCE.map((s) => (
              <option key={s.hours} value={s.hours}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
      </form>
      {events.isError && (
        <p role="alert" className="error">
          {events.error.message}
        </p>
      )}
      {events.data?.items.length === 0 && <p className="muted">Nothing matches.</p>}
      {events.data && events.data.items.length > 0 && (
        <div className="table-wrap">
          <table className="table" aria-label="Audit events">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Version</th>
              </tr>
            </thead>
            <tbody>
              {events.data.items.map((e) => (
                <tr key={e.id}>
                  <td className="small muted">{new Date(e.at).toLocaleString()}</td>
                  <td className="small">
                    {e.actorName} <span className="muted">({e.actorType.replace("_", " ")})</span>
                  </td>
                  <td className="small">
                    <button type="button" className="link" onClick={() => setOpen(open === e.id ? null : e.id)}>
                      {e.action}
                    </button>{" "}
                    <span className="muted">{e.targetType}</span>
                    {open === e.id && (
                      <pre className="small audit-detail">
                        {JSON.stringify({ before: e.before, after: e.after }, null, 2)}
                      </pre>
                    )}
                  </td>
                  <td className="small">{e.configVersion ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
