"use client";

import { algorithmNames } from "@weir/config";
import { type PoolDto, updatePoolInputSchema } from "@weir/config/api";
import { type FormEvent, useEffect, useMemo, useState } from "react";

type Draft = Record<string, string | boolean>;

/** Form fields: draft key, group in the pool, field in the group, kind. */
const FIELDS = [
  ["hc.type", "healthCheck", "type", "select"],
  ["hc.path", "healthCheck", "path", "text"],
  ["hc.expectedStatuses", "healthCheck", "expectedStatuses", "list"],
  ["hc.intervalMs", "healthCheck", "intervalMs", "number"],
  ["hc.timeoutMs", "healthCheck", "timeoutMs", "number"],
  ["hc.healthyThreshold", "healthCheck", "healthyThreshold", "number"],
  ["hc.unhealthyThreshold", "healthCheck", "unhealthyThreshold", "number"],
  ["to.connectMs", "timeouts", "connectMs", "number"],
  ["to.firstByteMs", "timeouts", "firstByteMs", "number"],
  ["to.idleMs", "timeouts", "idleMs", "number"],
  ["rt.attempts", "retry", "attempts", "number"],
  ["rt.budgetPercent", "retry", "budgetPercent", "number"],
  ["od.enabled", "outlier", "enabled", "boolean"],
  ["od.consecutive5xx", "outlier", "consecutive5xx", "number"],
  ["od.consecutiveConnectFailures", "outlier", "consecutiveConnectFailures", "number"],
  ["od.baseEjectionMs", "outlier", "baseEjectionMs", "number"],
  ["od.maxEjectedPercent", "outlier", "maxEjectedPercent", "number"],
  ["cb.maxConnections", "circuitBreaker", "maxConnections", "number"],
  ["cb.maxPending", "circuitBreaker", "maxPending", "number"],
  ["cb.maxRequests", "circuitBreaker", "maxRequests", "number"],
  ["st.enabled", "stickiness", "enabled", "boolean"],
  ["st.cookieName", "stickiness", "cookieName", "text"],
  ["st.ttlSeconds", "stickiness", "ttlSeconds", "number"],
] as const;

function draftOf(pool: PoolDto): Draft {
  const draft: Draft = {
    algorithm: pool.algorithm,
    slowStartMs: String(pool.slowStartMs),
    panicThresholdPercent: String(pool.panicThresholdPercent),
  };
  for (const [key, group, field, kind] of FIELDS) {
    const value = (pool[group] as Record<string, unknown>)[field];
    draft[key] =
      kind === "boolean" ? Boolean(value) : kind === "list" ? (value as unknown[]).join(", ") : String(value);
  }
  return draft;
}

function toValue(kind: string, raw: string | boolean): unknown {
  if (kind === "boolean") return raw;
  if (kind === "number") return raw === "" ? Number.NaN : Number(raw);
  if (kind === "list")
    return String(raw)
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  return raw;
}

/** The update the draft asks for: only the groups that changed, each whole (the API replaces groups). */
function buildInput(pool: PoolDto, draft: Draft, initial: Draft): Record<string, unknown> {
  const input: Record<string, unknown> = { id: pool.id, version: pool.version };
  if (draft.algorithm !== initial.algorithm) input.algorithm = draft.algorithm;
  for (const key of ["slowStartMs", "panicThresholdPercent"] as const)
    if (draft[key] !== initial[key]) input[key] = toValue("number", draft[key] as string);
  for (const [key, group, field, kind] of FIELDS) {
    if (draft[key] === initial[key]) continue;
    const current = (input[group] as Record<string, unknown> | undefined) ?? { ...(pool[group] as object) };
    current[field] = toValue(kind, draft[key] as string | boolean);
    input[group] = current;
  }
  return input;
}

/**
 * The pool's settings as a form validated by the same zod schema the API applies (and through
 * it the engine's), so field errors show while typing, before anything is sent. Only the groups
 * that changed are sent, with the row version the form was opened on: when someone else changes
 * the pool meanwhile, the operator's edits are kept, the fields that moved show their new value,
 * and saving is refused as a conflict until they load the current values.
 */
export function PoolSettings(props: {
  pool: PoolDto;
  canEdit: boolean;
  pending: boolean;
  /** Resolves true when the change was saved. */
  onSave: (input: Record<string, unknown>) => Promise<boolean>;
}) {
  const [base, setBase] = useState<PoolDto>(props.pool);
  // After our own save, the next version of the pool is ours: adopt it instead of calling it stale.
  const [adoptAfter, setAdoptAfter] = useState<number | null>(null);
  useEffect(() => {
    if (adoptAfter !== null && props.pool.version > adoptAfter) {
      setAdoptAfter(null);
      setBase(props.pool);
      setDraft(draftOf(props.pool));
    }
  }, [adoptAfter, props.pool]);
  const initial = useMemo(() => draftOf(base), [base]);
  const fresh = useMemo(() => draftOf(props.pool), [props.pool]);
  const [draft, setDraft] = useState<Draft>(initial);
  const stale = props.pool.version !== base.version && adoptAfter === null;
  const input = buildInput(base, draft, initial);
  const changed = Object.keys(input).length > 2;
  const parsed = updatePoolInputSchema.safeParse(input);
  const errors = new Map<string, string>();
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [group, field] = issue.path.map(String);
      const entry = FIELDS.find(([, g, f]) => g === group && f === field);
      errors.set(entry ? entry[0] : String(group), issue.message);
    }
  }
  const set = (key: string, value: string | boolean) => setDraft((d) => ({ ...d, [key]: value }));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!parsed.success || !changed) return;
    if (await props.onSave(input)) setAdoptAfter(base.version);
  };
  const field = (key: string, label: string, kind: "number" | "text" | "boolean" | "list", hint?: string) => {
    const error = errors.get(key);
    const id = `setting-${key}`;
    return (
      <label key={key} className={kind === "boolean" ? "check" : "field"} htmlFor={id}>
        {kind === "boolean" ? (
          <input
            id={id}
            type="checkbox"
            checked={Boolean(draft[key])}
            disabled={!props.canEdit}
            onChange={(e) => set(key, e.target.checked)}
          />
        ) : null}
        <span>{label}</span>
        {kind !== "boolean" && (
          <input
            id={id}
            type={kind === "number" ? "number" : "text"}
            value={String(draft[key])}
            disabled={!props.canEdit}
            aria-invalid={error !== undefined}
            aria-describedby={error ? `${id}-error` : undefined}
            onChange={(e) => set(key, e.target.value)}
          />
        )}
        {hint && <span className="muted small">{hint}</span>}
        {stale && fresh[key] !== initial[key] && (
          <span className="warn small" data-testid={`${id}-now`}>
            now: {String(fresh[key])}
          </span>
        )}
        {error && (
          <span id={`${id}-error`} role="alert" className="error small">
            {error}
          </span>
        )}
      </label>
    );
  };

  return (
    <form className="settings" aria-label="Pool settings" onSubmit={submit}>
      {stale && (
        <p role="alert" className="warn form-actions">
          Someone else changed this pool (now version {props.pool.version}, your form is on {base.version}); fields they
          changed show their new value. Your edits are kept, but saving them would overwrite theirs.
          <button
            type="button"
            onClick={() => {
              setBase(props.pool);
              setDraft(draftOf(props.pool));
            }}
          >
            Load current values
          </button>
        </p>
      )}
      <fieldset>
        <legend>Balancing</legend>
        <label className="field" htmlFor="setting-algorithm">
          <span>Algorithm</span>
          <select
            id="setting-algorithm"
            value={String(draft.algorithm)}
            disabled={!props.canEdit}
            onChange={(e) => set("algorithm", e.target.value)}
          >
            {algorithmNames.map((a) => (
              <option key={a} value={a}>
                {a.replaceAll("_", " ")}
              </option>
            ))}
          </select>
        </label>
        {field("slowStartMs", "Slow start (ms)", "number")}
        {field("panicThresholdPercent", "Panic below healthy %", "number")}
      </fieldset>
      <fieldset>
        <legend>Health check</legend>
        <label className="field" htmlFor="setting-hc.type">
          <span>Type</span>
          <select
            id="setting-hc.type"
            value={String(draft["hc.type"])}
            disabled={!props.canEdit}
            onChange={(e) => set("hc.type", e.target.value)}
          >
            <option value="http">HTTP</option>
            <option value="tcp">TCP connect</option>
            <option value="none">none (passive only)</option>
          </select>
        </label>
        {field("hc.path", "Path", "text")}
        {field("hc.expectedStatuses", "Expected statuses", "list", "e.g. 2xx, 301")}
        {field("hc.intervalMs", "Interval (ms)", "number")}
        {field("hc.timeoutMs", "Timeout (ms)", "number")}
        {field("hc.healthyThreshold", "Rise (passes)", "number")}
        {field("hc.unhealthyThreshold", "Fall (failures)", "number")}
      </fieldset>
      <fieldset>
        <legend>Timeouts and retries</legend>
        {field("to.connectMs", "Connect (ms)", "number")}
        {field("to.firstByteMs", "First byte (ms)", "number")}
        {field("to.idleMs", "Idle (ms)", "number")}
        {field("rt.attempts", "Retries", "number")}
        {field("rt.budgetPercent", "Retry budget %", "number")}
      </fieldset>
      <fieldset>
        <legend>Outlier detection and circuit breaking</legend>
        {field("od.enabled", "Eject failing backends", "boolean")}
        {field("od.consecutive5xx", "Consecutive 5xx", "number")}
        {field("od.consecutiveConnectFailures", "Consecutive connect failures", "number")}
        {field("od.baseEjectionMs", "Base ejection (ms)", "number")}
        {field("od.maxEjectedPercent", "Max ejected %", "number")}
        {field("cb.maxConnections", "Max connections", "number")}
        {field("cb.maxPending", "Max pending", "number")}
        {field("cb.maxRequests", "Max requests", "number")}
      </fieldset>
      <fieldset>
        <legend>Stickiness</legend>
        {field("st.enabled", "Sticky sessions (cookie)", "boolean")}
        {field("st.cookieName", "Cookie name", "text")}
        {field("st.ttlSeconds", "Cookie lifetime (s, 0 = session)", "number")}
      </fieldset>
      {props.canEdit && (
        <div className="form-actions">
          <button type="submit" className="primary" disabled={!changed || !parsed.success || props.pending}>
            Save settings
          </button>
          <button type="button" disabled={!changed} onClick={() => setDraft(initial)}>
            Reset
          </button>
          {!parsed.success && <span className="error small">Fix the fields marked above.</span>}
        </div>
      )}
    </form>
  );
}
