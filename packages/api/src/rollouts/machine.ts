import type { AnalysisVerdict, CanaryStep, RolloutSpec, RolloutStatus } from "@weir/config/api";

/**
 * The rollout state machine: `step(state, event, now)` → the next state and the actions the
 * controller executes, or an error saying why the event does not apply. Pure: no clock, timer,
 * database or socket; `now` is unix ms passed in. The controller stays a loop: load the row, feed
 * events (operator commands, a tick every second, analysis verdicts, agent acks and nacks), persist
 * the state, execute the actions in order.
 *
 * Semantics follow Argo Rollouts where they exist:
 * - canary steps `setWeight` / `pause` / `analysis`; a pause without duration waits for `promote`;
 *   `promote` goes to the next step, `promote { full }` straight to 100%;
 * - analysis verdicts: successful → continue, failed → count, `failureLimit` failures → abort with
 *   all traffic back on stable in one action (status `degraded`), inconclusive → pause for a human;
 * - background analysis runs throughout (also while paused), every `intervalMs`;
 * - `abort` (operator) → `aborted`; `retry` restarts an aborted or degraded rollout at step 1;
 * - blue-green: preview → promotion (manual, or automatic after `autoPromoteAfterMs` when the
 *   promotion analysis passes) → hold (`holdMs`, Argo's scaleDownDelaySeconds) → succeeded.
 * Weir-specific: a step counts as reached only when every agent serving the pool has acked the
 * config carrying its routing (`agentsAcked`); a nack or a hand-made split change pauses.
 *
 * Invariants:
 * - While the rollout is active, `stepStartedAt` is null exactly when the current routing has been
 *   pushed and not yet acked by every agent; step clocks (pause durations, analysis windows, the
 *   hold) start at the ack.
 * - `currentWeight` is the share of ordinary traffic the new version gets: blue-green preview 0,
 *   after the switch 100; after abort or rollback 0.
 * - Leaving `paused` (resume, promote) always pushes the routing again and waits for the acks: the
 *   split may have been changed by hand, or an agent may have refused it. Resume restarts the
 *   current step's clock: a pause or analysis window runs in full after it.
 * - `failedChecks` counts every failed verdict of the current attempt (background, step or
 *   promotion); `retry` resets it. Weights never go down except to 0 by abort or rollback.
 * - Every change of status, step or failure count carries an `audit` action; illegal requests
 *   are errors, never no-ops.
 */

export interface RolloutState {
  readonly spec: RolloutSpec;
  readonly status: RolloutStatus;
  /**
   * Canary: the index in `spec.steps`; `steps.length` = the final analysis before completing;
   * `steps.length + 1` = completing (all traffic to the new version, waiting for the acks).
   * Blue-green: 0 = preview, 1 = switched (holding the old version ready).
   */
  readonly currentStep: number;
  readonly currentWeight: number;
  /** When every agent applied the current step's routing (unix ms); null while waiting for that. */
  readonly stepStartedAt: number | null;
  readonly failedChecks: number;
  /** Where the rollout stands and why, in words an operator can act on. */
  readonly message: string | null;
  /** When the current attempt started (start or retry): analysis windows never reach before it. */
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  /**
   * When the last analysis was requested. Volatile: not a column; null after a restart, which
   * only makes the next check run at once.
   */
  readonly lastCheckAt: number | null;
}

/** A new rollout as `rollouts.create` stores it. */
export function initialRolloutState(spec: RolloutSpec): RolloutState {
  return {
    spec,
    status: "pending",
    currentStep: 0,
    currentWeight: 0,
    stepStartedAt: null,
    failedChecks: 0,
    message: null,
    startedAt: null,
    finishedAt: null,
    lastCheckAt: null,
  };
}

/**
 * Routing: what the pool's traffic split must become (`trafficSplitFor` turns it into the
 * data-plane split). Idempotent: pushing the same routing twice is harmless.
 * - `setSplit`: canary; `canaryPercent` of requests to the new version, plus the tester match.
 * - `setPreview`: blue-green; only `previewMatch` requests reach `version`.
 * - `switchTo`: every request to `version` (blue-green switch, completion, abort, rollback).
 */
export type RoutingAction =
  | { type: "setSplit"; canaryPercent: number }
  | { type: "setPreview"; version: string }
  | { type: "switchTo"; version: string };

/**
 * Judge the new version over [from, to] (unix ms) and answer with an `analysis` event carrying this
 * request back unchanged. `background` checks only count failures; `step` (a canary analysis step's
 * window) and `promotion` (before an automatic completion or blue-green promotion) decide.
 */
export interface RunAnalysisAction {
  type: "runAnalysis";
  kind: "background" | "step" | "promotion";
  step: number;
  from: number;
  to: number;
}

export type RolloutAction =
  | RoutingAction
  | RunAnalysisAction
  /** `action` is the audit verb ("rollout.promote"); the controller adds actor and target. */
  | { type: "audit"; action: string; message: string }
  /** The rollout stopped (succeeded, aborted, degraded, rolled_back): stamp finishedAt, stop ticking it. */
  | { type: "markFinished"; status: RolloutStatus };

/** `by` names the operator in the message (the audit event records the actor itself). */
export type RolloutEvent =
  | { type: "start"; by?: string }
  | { type: "tick" }
  | { type: "analysis"; request: RunAnalysisAction; result: { verdict: AnalysisVerdict; reason: string } }
  /** Every agent serving the pool acked a config carrying the routing with this weight. */
  | { type: "agentsAcked"; weight: number }
  | { type: "agentNack"; agent: string; reason: string }
  | { type: "pause"; by?: string }
  | { type: "resume"; by?: string }
  | { type: "promote"; full?: boolean; by?: string }
  | { type: "abort"; by?: string }
  | { type: "retry"; by?: string }
  | { type: "rollback"; by?: string }
  /** The pool's split was changed by something other than the controller during the rollout. */
  | { type: "manualSplitChange"; canaryPercent: number; by?: string };

/**
 * `illegal`: the request makes no sense in this state (an operator's mistake; answer it as a
 * conflict). `stale`: a report about a step, routing or attempt the rollout has moved past (log it).
 */
export interface RolloutTransitionError {
  kind: "illegal" | "stale";
  event: RolloutEvent["type"];
  status: RolloutStatus;
  message: string;
}

export type StepResult =
  | { ok: true; state: RolloutState; actions: RolloutAction[] }
  | { ok: false; error: RolloutTransitionError };

/** Statuses in which the rollout drives traffic and analysis runs. */
function isActive(status: RolloutStatus): boolean {
  return status === "progressing" || status === "paused";
}

/** One transition. O(1) apart from message formatting; never throws for a valid state. */
export function step(state: RolloutState, event: RolloutEvent, now: number): StepResult {
  const t = new Transition(state, now);
  const fail = (kind: RolloutTransitionError["kind"], message: string): StepResult => ({
    ok: false,
    error: { kind, event: event.type, status: state.status, message },
  });
  const notActive = () =>
    state.status === "pending"
      ? "the rollout has not started"
      : `the rollout is ${state.status.replace("_", " ")}${state.message ? ` (${state.message})` : ""}`;

  switch (event.type) {
    case "start": {
      if (state.status !== "pending") return fail("illegal", `Cannot start: ${notActive()}.`);
      t.beginAttempt();
      t.audit("rollout.start", `started${by(event.by)}: ${state.spec.stableVersion} → ${state.spec.newVersion}`);
      t.enter(0, true);
      return t.done();
    }

    case "tick": {
      if (!isActive(state.status)) return t.done();
      t.advanceClock();
      t.scheduleAnalysis();
      return t.done();
    }

    case "agentsAcked": {
      if (state.status === "paused" && state.stepStartedAt === null && event.weight === state.currentWeight) {
        // The routing is live; the step waits for resume or promote, which push it again anyway.
        return t.done();
      }
      if (state.status !== "progressing") return fail("stale", `Ack not applied: ${notActive()}.`);
      if (state.stepStartedAt !== null) {
        return fail("stale", `Ack not applied: ${t.stepName()} was already reached.`);
      }
      if (event.weight !== state.currentWeight) {
        return fail(
          "stale",
          `Ack for ${event.weight}% not applied: ${t.stepName()} waits for agents to apply ${state.currentWeight}%.`,
        );
      }
      t.reach();
      return t.done();
    }

    case "agentNack": {
      const what = `agent ${event.agent} rejected the config: ${event.reason}`;
      if (state.status === "pending") return fail("illegal", `Nack not applied: ${notActive()}.`);
      if (!isActive(state.status)) {
        t.set({ message: `${state.message ?? state.status}; afterwards ${what}` });
        t.audit("rollout.agent_nack", what);
        return t.done();
      }
      t.set({
        status: "paused",
        message: `Paused: ${what}. Fix the agent or the config, then resume to push ${t.routingName()} again.`,
      });
      t.audit("rollout.agent_nack", what);
      return t.done();
    }

    case "analysis":
      return onAnalysis(t, event.request, event.result, fail, notActive);

    case "pause": {
      if (state.status === "paused") return fail("illegal", `Already paused: ${state.message ?? "no reason given"}.`);
      if (state.status !== "progressing") return fail("illegal", `Cannot pause: ${notActive()}.`);
      t.set({
        status: "paused",
        message: `Paused${by(event.by)} at ${t.stepName()}; resume to continue, promote to skip ahead, abort to return to ${state.spec.stableVersion}.`,
      });
      t.audit("rollout.pause", `paused${by(event.by)} at ${t.stepName()}`);
      return t.done();
    }

    case "resume": {
      if (state.status !== "paused") {
        return fail(
          "illegal",
          `Cannot resume: ${state.status === "progressing" ? "the rollout is not paused" : notActive()}.`,
        );
      }
      if (t.waitsForPromotion()) {
        return fail("illegal", `Cannot resume: ${t.stepName()} waits for promotion; promote to continue.`);
      }
      t.set({ status: "progressing" });
      t.audit("rollout.resume", `resumed${by(event.by)} at ${t.stepName()}`);
      t.enter(state.currentStep, true);
      return t.done();
    }

    case "promote":
      return onPromote(t, event, fail, notActive);

    case "abort": {
      if (state.status === "pending") {
        t.set({ status: "aborted", finishedAt: now, message: `Aborted${by(event.by)} before it started.` });
        t.audit("rollout.abort", `aborted${by(event.by)} before it started`);
        t.push({ type: "markFinished", status: "aborted" });
        return t.done();
      }
      if (!isActive(state.status)) {
        const hint = state.status === "succeeded" ? `; roll back to return to ${state.spec.stableVersion}` : "";
        return fail("illegal", `Cannot abort: ${notActive()}${hint}.`);
      }
      t.stop(
        "aborted",
        `Aborted${by(event.by)} at ${t.stepName()}: all traffic back on ${state.spec.stableVersion}. Retry to start again from step 1.`,
        "rollout.abort",
      );
      return t.done();
    }

    case "retry": {
      if (state.status !== "aborted" && state.status !== "degraded") {
        return fail("illegal", `Cannot retry: only an aborted or degraded rollout can be retried, and ${notActive()}.`);
      }
      t.beginAttempt();
      t.audit("rollout.retry", `retried${by(event.by)} from step 1 after: ${state.message ?? state.status}`);
      t.enter(0, true);
      return t.done();
    }

    case "rollback": {
      const holding = state.spec.strategy === "blue_green" && isActive(state.status) && state.currentStep === 1;
      if (state.status !== "succeeded" && !holding) {
        const hint = isActive(state.status)
          ? `the rollout is still ${state.status}; abort returns all traffic to ${state.spec.stableVersion}`
          : state.status === "aborted" || state.status === "degraded"
            ? `traffic is already on ${state.spec.stableVersion}`
            : notActive();
        return fail("illegal", `Cannot roll back: ${hint}.`);
      }
      const stable = state.spec.stableVersion;
      t.set({
        status: "rolled_back",
        currentWeight: 0,
        stepStartedAt: null,
        finishedAt: now,
        message: holding
          ? `Switched back${by(event.by)} to ${stable} during the hold.`
          : `Rolled back${by(event.by)}: all traffic on ${stable} again.`,
      });
      t.push({ type: "switchTo", version: stable });
      t.audit("rollout.rollback", `rolled back${by(event.by)} to ${stable}`);
      t.push({ type: "markFinished", status: "rolled_back" });
      return t.done();
    }

    case "manualSplitChange": {
      if (!isActive(state.status)) {
        return fail("illegal", `Split change not applied to the rollout: ${notActive()}.`);
      }
      const what = `the split was set${by(event.by)} to ${event.canaryPercent}% ${state.spec.newVersion} while the rollout is at ${state.currentWeight}%`;
      t.set({
        status: "paused",
        message: `Paused: ${what}. Resume re-applies ${t.routingName()}, promote continues, abort returns all traffic to ${state.spec.stableVersion}.`,
      });
      t.audit("rollout.manual_split", what);
      return t.done();
    }
  }
}

function onAnalysis(
  t: Transition,
  request: RunAnalysisAction,
  result: { verdict: AnalysisVerdict; reason: string },
  fail: (kind: RolloutTransitionError["kind"], message: string) => StepResult,
  notActive: () => string,
): StepResult {
  const s = t.state;
  if (!isActive(s.status)) return fail("stale", `Verdict not applied: ${notActive()}.`);
  if (s.startedAt === null || request.from < s.startedAt) {
    return fail("stale", "Verdict not applied: it judged traffic from before the current attempt started.");
  }
  const current = t.isCurrentDecision(request);
  const limit = s.spec.analysis.failureLimit;
  switch (result.verdict) {
    case "failed": {
      const failed = s.failedChecks + 1;
      t.set({ failedChecks: failed });
      if (failed >= limit) {
        t.stop(
          "degraded",
          `Aborted automatically after ${failed} failed check${failed === 1 ? "" : "s"} (limit ${limit}): ${result.reason}. All traffic back on ${s.spec.stableVersion}.`,
          "rollout.degrade",
        );
        return t.done();
      }
      const again = current && request.kind === "step" ? "; analysing another window" : "";
      t.set({
        message: `Check failed (${failed} of ${limit} allowed before abort) at ${t.stepName()}: ${result.reason}${again}.`,
      });
      t.audit("rollout.check_failed", `${request.kind} check failed (${failed} of ${limit}): ${result.reason}`);
      if (again) t.set({ stepStartedAt: t.now });
      return t.done();
    }
    case "inconclusive": {
      if (request.kind === "background") return t.done();
      if (!current) return fail("stale", `Verdict not applied: ${t.stepName()} no longer waits for it.`);
      const skip = request.kind === "promotion" ? "promote to complete without it" : "promote to skip it";
      t.set({
        status: "paused",
        message: `Paused: ${request.kind === "step" ? "analysis" : "promotion analysis"} at ${t.stepName()} was inconclusive (${result.reason}). Resume to analyse again, ${skip}, abort to return to ${s.spec.stableVersion}.`,
      });
      t.audit("rollout.inconclusive", `${request.kind} analysis inconclusive: ${result.reason}`);
      return t.done();
    }
    case "successful": {
      if (request.kind === "background") return t.done();
      if (!current) return fail("stale", `Verdict not applied: ${t.stepName()} no longer waits for it.`);
      t.audit("rollout.analysis_passed", `${request.kind} analysis passed at ${t.stepName()}: ${result.reason}`);
      if (s.spec.strategy === "blue_green") {
        t.audit(
          "rollout.promote",
          `promoted automatically after ${duration(s.spec.blueGreen.autoPromoteAfterMs ?? 0)} of preview`,
        );
        t.enter(1, false);
      } else {
        t.enter(s.currentStep + 1, false);
      }
      return t.done();
    }
  }
}

function onPromote(
  t: Transition,
  event: { full?: boolean; by?: string },
  fail: (kind: RolloutTransitionError["kind"], message: string) => StepResult,
  notActive: () => string,
): StepResult {
  const s = t.state;
  if (!isActive(s.status)) return fail("illegal", `Cannot promote: ${notActive()}.`);
  const who = by(event.by);
  if (s.spec.strategy === "blue_green") {
    if (s.currentStep === 0) {
      t.set({ status: "progressing" });
      t.audit("rollout.promote", `promoted${who}: switching all traffic to ${s.spec.newVersion}`);
      t.enter(1, false);
      return t.done();
    }
    if (s.stepStartedAt === null) {
      return fail(
        "illegal",
        `Cannot promote: already switching to ${s.spec.newVersion}, waiting for every agent to apply it.`,
      );
    }
    t.audit("rollout.promote", `promoted${who}: hold ended early, ${s.spec.stableVersion} released`);
    t.succeed();
    return t.done();
  }
  const n = s.spec.steps.length;
  if (s.currentStep === n + 1) {
    return fail(
      "illegal",
      `Cannot promote: already completing, waiting for every agent to send all traffic to ${s.spec.newVersion}.`,
    );
  }
  // A human promoting past the last step completes: the final analysis only gates automatic completion.
  const target = event.full || s.currentStep + 1 >= n ? n + 1 : s.currentStep + 1;
  t.set({ status: "progressing" });
  t.audit(
    "rollout.promote",
    target === n + 1
      ? `promoted${who} ${event.full ? "fully" : "past the last step"}: all traffic to ${s.spec.newVersion}`
      : `promoted${who} from step ${s.currentStep + 1} to step ${target + 1}`,
  );
  t.enter(target, true);
  return t.done();
}

/** The mutable working copy of one transition: state changes and the actions they imply. */
class Transition {
  private next: { -readonly [K in keyof RolloutState]: RolloutState[K] };
  private readonly actions: RolloutAction[] = [];

  constructor(
    original: RolloutState,
    readonly now: number,
  ) {
    this.next = { ...original };
  }

  get state(): RolloutState {
    return this.next;
  }

  set(patch: Partial<RolloutState>): void {
    this.next = { ...this.next, ...patch };
  }

  push(action: RolloutAction): void {
    this.actions.push(action);
  }

  audit(action: string, message: string): void {
    this.push({ type: "audit", action, message });
  }

  done(): StepResult {
    return { ok: true, state: this.next, actions: this.actions };
  }

  beginAttempt(): void {
    this.set({
      status: "progressing",
      currentWeight: 0,
      failedChecks: 0,
      startedAt: this.now,
      finishedAt: null,
      lastCheckAt: null,
    });
  }

  /**
   * Makes `index` the current step. `reassert` pushes the current routing even when the step
   * itself sets none (start, resume, promote from a pause): the clock then starts at the ack.
   */
  enter(index: number, reassert: boolean): void {
    const spec = this.next.spec;
    this.set({ currentStep: index, stepStartedAt: null });
    if (spec.strategy === "blue_green") {
      if (index === 0) {
        this.set({ currentWeight: 0 });
        this.push({ type: "setPreview", version: spec.newVersion });
      } else {
        this.set({ currentWeight: 100 });
        this.push({ type: "switchTo", version: spec.newVersion });
      }
      this.set({ status: "progressing", message: `Waiting for every agent to apply ${this.routingName()}.` });
      return;
    }
    const n = spec.steps.length;
    if (index === n + 1) {
      this.set({ currentWeight: 100, status: "progressing" });
      this.push({ type: "switchTo", version: spec.newVersion });
      this.set({ message: `Completing: waiting for every agent to send all traffic to ${spec.newVersion}.` });
      return;
    }
    const weight = index < n ? canaryStep(spec.steps, index).setWeight : undefined;
    if (weight !== undefined) this.set({ currentWeight: weight });
    if (weight !== undefined || reassert) {
      this.push({ type: "setSplit", canaryPercent: this.next.currentWeight });
      this.set({
        status: "progressing",
        message: `${capitalize(this.stepName())}: waiting for every agent to apply ${this.next.currentWeight}%.`,
      });
      return;
    }
    this.reach();
  }

  /** Every agent runs the current step's routing: start its clock, or move on when it has none. */
  reach(): void {
    const spec = this.next.spec;
    const now = this.now;
    this.set({ stepStartedAt: now });
    if (spec.strategy === "blue_green") {
      const stable = spec.stableVersion;
      if (this.next.currentStep === 0) {
        const auto = spec.blueGreen.autoPromoteAfterMs;
        const preview = `Preview live: ${matchText(spec.blueGreen.previewMatch, spec.newVersion)} reach ${spec.newVersion}`;
        this.set(
          auto === undefined
            ? { status: "paused", message: `${preview}; waiting for promotion.` }
            : {
                status: "progressing",
                message: `${preview}; promoting automatically after ${duration(auto)} if analysis passes.`,
              },
        );
        this.audit("rollout.step", `preview of ${spec.newVersion} live on every agent`);
        return;
      }
      this.audit("rollout.step", `all traffic on ${spec.newVersion} on every agent`);
      if (spec.blueGreen.holdMs === 0) {
        this.succeed();
        return;
      }
      this.set({
        message: `Switched to ${spec.newVersion}; ${stable} kept ready for switch-back until ${new Date(now + spec.blueGreen.holdMs).toISOString()}.`,
      });
      return;
    }
    const n = spec.steps.length;
    const index = this.next.currentStep;
    if (index === n + 1) {
      this.audit("rollout.step", `all traffic on ${spec.newVersion} on every agent`);
      this.succeed();
      return;
    }
    if (index === n) {
      this.set({ message: `All steps done: final analysis before sending all traffic to ${spec.newVersion}.` });
      this.audit("rollout.step", "final analysis");
      return;
    }
    const current = canaryStep(spec.steps, index);
    if (current.setWeight !== undefined) {
      this.audit(
        "rollout.step",
        `${this.stepName()} reached: every agent sends ${current.setWeight}% to ${spec.newVersion}`,
      );
      this.enter(index + 1, false);
      return;
    }
    this.audit("rollout.step", `${this.stepName()} started`);
    if (current.pause !== undefined) {
      const d = current.pause.durationMs;
      this.set(
        d === undefined
          ? { status: "paused", message: `${capitalize(this.stepName())}: paused until promoted.` }
          : { message: `${capitalize(this.stepName())}: pausing ${duration(d)} at ${this.next.currentWeight}%.` },
      );
      return;
    }
    this.set({
      message: `${capitalize(this.stepName())}: analysing ${duration(canaryStep(spec.steps, index).analysis?.windowMs ?? 0)} of traffic at ${this.next.currentWeight}%.`,
    });
  }

  /** Timed progress: pause durations and the blue-green hold. */
  advanceClock(): void {
    const s = this.next;
    if (s.status !== "progressing" || s.stepStartedAt === null) return;
    const spec = s.spec;
    if (spec.strategy === "blue_green") {
      if (s.currentStep === 1 && this.now >= s.stepStartedAt + spec.blueGreen.holdMs) this.succeed();
      return;
    }
    if (s.currentStep >= spec.steps.length) return;
    const d = canaryStep(spec.steps, s.currentStep).pause?.durationMs;
    if (d !== undefined && this.now >= s.stepStartedAt + d) {
      this.audit("rollout.step", `${this.stepName()} done`);
      this.enter(s.currentStep + 1, false);
    }
  }

  /**
   * At most one analysis request per `intervalMs`, except that a decision point (an analysis
   * step's window closing, the final canary analysis, blue-green auto-promotion) is requested as
   * soon as it is due. An unanswered request is simply made again one interval later.
   */
  scheduleAnalysis(): void {
    const s = this.next;
    if (!isActive(s.status)) return;
    const a = s.spec.analysis;
    const last = s.lastCheckAt;
    const intervalDue = last === null || this.now - last >= a.intervalMs;
    const decision = this.decision();
    if (decision !== null && this.now >= decision.at && (intervalDue || (last as number) < decision.at)) {
      this.push(decision.request);
      this.set({ lastCheckAt: this.now });
      return;
    }
    if (!intervalDue) return;
    this.push({
      type: "runAnalysis",
      kind: "background",
      step: s.currentStep,
      from: Math.max(s.startedAt ?? this.now, this.now - a.windowMs),
      to: this.now,
    });
    this.set({ lastCheckAt: this.now });
  }

  /** The verdict the current step waits for, if any, and from when. */
  private decision(): { at: number; request: RunAnalysisAction } | null {
    const s = this.next;
    const t0 = s.stepStartedAt;
    if (s.status !== "progressing" || t0 === null) return null;
    const spec = s.spec;
    const recent = (floor: number) => Math.max(floor, this.now - spec.analysis.windowMs);
    if (spec.strategy === "blue_green") {
      const auto = spec.blueGreen.autoPromoteAfterMs;
      if (s.currentStep !== 0 || auto === undefined) return null;
      return {
        at: t0 + auto,
        request: { type: "runAnalysis", kind: "promotion", step: 0, from: recent(t0), to: this.now },
      };
    }
    const n = spec.steps.length;
    if (s.currentStep === n) {
      return {
        at: t0,
        request: {
          type: "runAnalysis",
          kind: "promotion",
          step: n,
          from: recent(s.startedAt ?? t0),
          to: this.now,
        },
      };
    }
    if (s.currentStep > n) return null;
    const window = canaryStep(spec.steps, s.currentStep).analysis?.windowMs;
    if (window === undefined) return null;
    return {
      at: t0 + window,
      request: { type: "runAnalysis", kind: "step", step: s.currentStep, from: t0, to: t0 + window },
    };
  }

  /** Whether a step or promotion verdict answers what the rollout waits for right now. */
  isCurrentDecision(request: RunAnalysisAction): boolean {
    if (request.kind === "background") return false;
    const s = this.next;
    if (s.status !== "progressing" || s.stepStartedAt === null || request.step !== s.currentStep) return false;
    const d = this.decision();
    if (d === null || d.request.kind !== request.kind) return false;
    // A promotion verdict must have been requested after the decision point (not before a resume
    // restarted the clock); a step verdict must judge the current window.
    return request.kind === "promotion" ? request.to >= d.at : request.from === s.stepStartedAt;
  }

  /** A reached indefinite pause: only promote moves it on. */
  waitsForPromotion(): boolean {
    const s = this.next;
    if (s.stepStartedAt === null) return false;
    if (s.spec.strategy === "blue_green")
      return s.currentStep === 0 && s.spec.blueGreen.autoPromoteAfterMs === undefined;
    if (s.currentStep >= s.spec.steps.length) return false;
    const p = canaryStep(s.spec.steps, s.currentStep).pause;
    return p !== undefined && p.durationMs === undefined;
  }

  stop(status: "aborted" | "degraded", message: string, auditAction: string): void {
    const stable = this.next.spec.stableVersion;
    this.set({ status, currentWeight: 0, stepStartedAt: null, finishedAt: this.now, message });
    this.push({ type: "switchTo", version: stable });
    this.audit(auditAction, message);
    this.push({ type: "markFinished", status });
  }

  succeed(): void {
    const spec = this.next.spec;
    this.set({
      status: "succeeded",
      currentWeight: 100,
      finishedAt: this.now,
      message: `Succeeded: ${spec.newVersion} is the stable version; roll back to return to ${spec.stableVersion}.`,
    });
    this.audit("rollout.succeed", `${spec.newVersion} now serves all traffic`);
    this.push({ type: "markFinished", status: "succeeded" });
  }

  /** "step 2 of 5 (setWeight 25%)", "the final analysis", "the preview". */
  stepName(): string {
    const s = this.next;
    if (s.spec.strategy === "blue_green") return s.currentStep === 0 ? "the preview" : "the hold after the switch";
    const n = s.spec.steps.length;
    if (s.currentStep === n) return "the final analysis";
    if (s.currentStep > n) return "completion";
    return `step ${s.currentStep + 1} of ${n} (${describeStep(canaryStep(s.spec.steps, s.currentStep))})`;
  }

  /** The routing the current step needs, in words. */
  routingName(): string {
    const routing = currentRouting(this.next);
    if (routing === null) return "nothing";
    switch (routing.type) {
      case "setSplit":
        return `${routing.canaryPercent}% to ${this.next.spec.newVersion}`;
      case "setPreview":
        return `the preview of ${routing.version}`;
      case "switchTo":
        return `all traffic to ${routing.version}`;
    }
  }
}

/**
 * The routing the pool should have in this state: what a controller pushes again after a restart
 * or when it finds the split changed. Null before the rollout starts.
 */
export function currentRouting(state: RolloutState): RoutingAction | null {
  const spec = state.spec;
  switch (state.status) {
    case "pending":
      return null;
    case "aborted":
    case "degraded":
    case "rolled_back":
      return { type: "switchTo", version: spec.stableVersion };
    case "succeeded":
      return { type: "switchTo", version: spec.newVersion };
    default:
      if (spec.strategy === "blue_green") {
        return state.currentStep === 0
          ? { type: "setPreview", version: spec.newVersion }
          : { type: "switchTo", version: spec.newVersion };
      }
      return state.currentStep > spec.steps.length
        ? { type: "switchTo", version: spec.newVersion }
        : { type: "setSplit", canaryPercent: state.currentWeight };
  }
}

function canaryStep(steps: readonly CanaryStep[], index: number): CanaryStep {
  const s = steps[index];
  if (s === undefined) throw new Error(`rollout step ${index} does not exist (${steps.length} steps)`);
  return s;
}

export function describeStep(s: CanaryStep): string {
  if (s.setWeight !== undefined) return `setWeight ${s.setWeight}%`;
  if (s.pause !== undefined) {
    return s.pause.durationMs === undefined ? "pause until promoted" : `pause ${duration(s.pause.durationMs)}`;
  }
  return `analysis over ${duration(s.analysis?.windowMs ?? 0)}`;
}

function matchText(match: { header?: { name: string }; cookie?: { name: string } }, version: string): string {
  return match.header
    ? `requests with header ${match.header.name}: ${version}`
    : `requests with cookie ${match.cookie?.name}=${version}`;
}

/** 90_000 → "1 min 30 s". */
function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [
    ["d", 86_400],
    ["h", 3600],
    ["min", 60],
    ["s", 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)} ${unit}`);
      rest %= size;
    }
  }
  return parts.join(" ");
}

function by(who: string | undefined): string {
  return who ? ` by ${who}` : "";
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
