import { type RolloutSpec, rolloutSpecSchema } from "@weir/config/api";
import { describe, expect, it } from "vitest";
import {
  currentRouting,
  initialRolloutState,
  type RolloutAction,
  type RolloutEvent,
  type RolloutState,
  type RolloutTransitionError,
  type RunAnalysisAction,
  step,
} from "../../src/rollouts/machine";

const S = 1_000;
const T0 = 1_700_000_000_000;

/** Steps 10% → pause 60 s → 25% → analysis 30 s → 50% → pause until promoted → 80%. */
const canary = rolloutSpecSchema.parse({
  poolId: "pool_1",
  stableVersion: "v1",
  newVersion: "v2",
  strategy: "canary",
  steps: [
    { setWeight: 10 },
    { pause: { durationMs: 60 * S } },
    { setWeight: 25 },
    { analysis: { windowMs: 30 * S } },
    { setWeight: 50 },
    { pause: {} },
    { setWeight: 80 },
  ],
  analysis: { intervalMs: 5 * S, windowMs: 30 * S, failureLimit: 2 },
});

const blueGreen = (settings: { autoPromoteAfterMs?: number; holdMs?: number } = {}) =>
  rolloutSpecSchema.parse({
    poolId: "pool_1",
    stableVersion: "v1",
    newVersion: "v2",
    strategy: "blue_green",
    blueGreen: { previewMatch: { header: { name: "x-preview" } }, holdMs: 300 * S, ...settings },
    analysis: { intervalMs: 5 * S, windowMs: 30 * S, failureLimit: 2 },
  });

/**
 * A scripted run: each entry is [seconds after T0, event]. An `analysis` event may name only
 * `kind` and verdict: the driver answers the latest request of that kind, as the controller would.
 */
type Script = Array<[number, RolloutEvent | Answer]>;
interface Answer {
  answer: RunAnalysisAction["kind"];
  verdict: "successful" | "failed" | "inconclusive";
  reason?: string;
}

interface Run {
  state: RolloutState;
  /** Every action, in order, with the second it was emitted at. */
  actions: Array<[number, RolloutAction]>;
  /** The actions of the last event. */
  last: RolloutAction[];
  errors: Array<[number, RolloutTransitionError]>;
}

function run(spec: RolloutSpec, script: Script, from: RolloutState = initialRolloutState(spec)): Run {
  let state = from;
  const actions: Run["actions"] = [];
  const errors: Run["errors"] = [];
  let last: RolloutAction[] = [];
  for (const [second, item] of script) {
    let event: RolloutEvent;
    if ("answer" in item) {
      const request = [...actions]
        .reverse()
        .map(([, a]) => a)
        .find((a): a is RunAnalysisAction => a.type === "runAnalysis" && a.kind === item.answer);
      if (request === undefined) throw new Error(`no ${item.answer} analysis was requested before ${second} s`);
      event = { type: "analysis", request, result: { verdict: item.verdict, reason: item.reason ?? "a reason" } };
    } else {
      event = item;
    }
    const result = step(state, event, T0 + second * S);
    if (!result.ok) {
      errors.push([second, result.error]);
      last = [];
      continue;
    }
    state = result.state;
    last = result.actions;
    for (const a of result.actions) actions.push([second, a]);
  }
  return { state, actions, last, errors };
}

const tick: RolloutEvent = { type: "tick" };
const ack = (weight: number): RolloutEvent => ({ type: "agentsAcked", weight });
const answer = (kind: Answer["answer"], verdict: Answer["verdict"], reason?: string): Answer => ({
  answer: kind,
  verdict,
  ...(reason === undefined ? {} : { reason }),
});
const routingOf = (actions: RolloutAction[]) =>
  actions.filter((a) => a.type === "setSplit" || a.type === "setPreview" || a.type === "switchTo");
const routing = (r: Run) => routingOf(r.actions.map(([, a]) => a));
const audits = (r: Run) => r.actions.flatMap(([, a]) => (a.type === "audit" ? [a.action] : []));
const of = <T extends RolloutAction["type"]>(actions: RolloutAction[], type: T) =>
  actions.filter((a): a is Extract<RolloutAction, { type: T }> => a.type === type);

/** Start, and ack the first weight at 1 s: the rollout sits in the 60 s pause of step 2. */
const started: Script = [
  [0, { type: "start", by: "ada" }],
  [1, ack(10)],
];
/** …then through the pause and 25%: the analysis step's window runs from 62 s to 92 s. */
const analysing: Script = [...started, [61, tick], [62, ack(25)]];
/** …then the window passes and 50% is acked: paused at step 6 until promoted. */
const atIndefinitePause: Script = [...analysing, [92, tick], [92.5, answer("step", "successful")], [93, ack(50)]];

describe("canary progression", () => {
  it.each<{
    name: string;
    script: Script;
    expect: Partial<RolloutState>;
    lastRouting?: RolloutAction[];
    message?: RegExp;
  }>([
    {
      name: "start pushes the first weight and waits for every agent",
      script: [[0, { type: "start", by: "ada" }]],
      expect: { status: "progressing", currentStep: 0, currentWeight: 10, stepStartedAt: null, startedAt: T0 },
      lastRouting: [{ type: "setSplit", canaryPercent: 10 }],
      message: /^Step 1 of 7 \(setWeight 10%\): waiting for every agent to apply 10%\.$/,
    },
    {
      name: "time alone does not reach a step: the ack does",
      script: [
        [0, { type: "start" }],
        [120, tick],
      ],
      expect: { currentStep: 0, stepStartedAt: null },
    },
    {
      name: "the ack reaches the weight and starts the timed pause's clock",
      script: started,
      expect: { status: "progressing", currentStep: 1, currentWeight: 10, stepStartedAt: T0 + S },
      message: /^Step 2 of 7 \(pause 1 min\): pausing 1 min at 10%\.$/,
    },
    {
      name: "a timed pause holds until its duration has passed since the ack",
      script: [...started, [60, tick]],
      expect: { currentStep: 1, currentWeight: 10 },
    },
    {
      name: "a timed pause ends on the tick after its duration and pushes the next weight",
      script: [...started, [61, tick]],
      expect: { currentStep: 2, currentWeight: 25, stepStartedAt: null },
      lastRouting: [{ type: "setSplit", canaryPercent: 25 }],
    },
    {
      name: "an analysis step starts its window at the ack",
      script: analysing,
      expect: { currentStep: 3, stepStartedAt: T0 + 62 * S },
      message: /analysing 30 s of traffic at 25%/,
    },
    {
      name: "a successful analysis window moves on",
      script: [...analysing, [92, tick], [92.5, answer("step", "successful")]],
      expect: { currentStep: 4, currentWeight: 50, stepStartedAt: null },
      lastRouting: [{ type: "setSplit", canaryPercent: 50 }],
    },
    {
      name: "a failed window below the failure limit counts and analyses another window",
      script: [...analysing, [92, tick], [93, answer("step", "failed", "success rate 91.2% < 99% minimum")]],
      expect: { status: "progressing", currentStep: 3, failedChecks: 1, stepStartedAt: T0 + 93 * S },
      message:
        /^Check failed \(1 of 2 allowed before abort\) at step 4 of 7 \(analysis over 30 s\): success rate 91\.2% < 99% minimum; analysing another window\.$/,
    },
    {
      name: "an inconclusive window pauses for a human, with the numbers",
      script: [
        ...analysing,
        [92, tick],
        [
          93,
          answer(
            "step",
            "inconclusive",
            "inconclusive: v2 served 37 requests in the window, 100 needed before judging",
          ),
        ],
      ],
      expect: { status: "paused", currentStep: 3 },
      message:
        /^Paused: analysis at step 4 of 7 \(analysis over 30 s\) was inconclusive \(inconclusive: v2 served 37 requests in the window, 100 needed before judging\)\. Resume to analyse again, promote to skip it, abort to return to v1\.$/,
    },
    {
      name: "a pause without duration pauses until promoted",
      script: atIndefinitePause,
      expect: { status: "paused", currentStep: 5, currentWeight: 50, stepStartedAt: T0 + 93 * S },
      message: /^Step 6 of 7 \(pause until promoted\): paused until promoted\.$/,
    },
    {
      name: "promote continues from an indefinite pause",
      script: [...atIndefinitePause, [500, { type: "promote", by: "ada" }]],
      expect: { status: "progressing", currentStep: 6, currentWeight: 80, stepStartedAt: null },
      lastRouting: [{ type: "setSplit", canaryPercent: 80 }],
    },
    {
      name: "after the last step a final analysis gates completion",
      script: [...atIndefinitePause, [500, { type: "promote" }], [501, ack(80)], [502, tick]],
      expect: { status: "progressing", currentStep: 7, currentWeight: 80, stepStartedAt: T0 + 501 * S },
      message: /^All steps done: final analysis/,
    },
    {
      name: "a passing final analysis sends all traffic to the new version",
      script: [
        ...atIndefinitePause,
        [500, { type: "promote" }],
        [501, ack(80)],
        [502, tick],
        [502.5, answer("promotion", "successful")],
      ],
      expect: { status: "progressing", currentStep: 8, currentWeight: 100, stepStartedAt: null },
      lastRouting: [{ type: "switchTo", version: "v2" }],
    },
    {
      name: "an inconclusive final analysis pauses instead of completing",
      script: [
        ...atIndefinitePause,
        [500, { type: "promote" }],
        [501, ack(80)],
        [502, tick],
        [503, answer("promotion", "inconclusive")],
      ],
      expect: { status: "paused", currentStep: 7, currentWeight: 80 },
      message: /promote to complete without it/,
    },
    {
      name: "succeeds once every agent sends all traffic to the new version",
      script: [
        ...atIndefinitePause,
        [500, { type: "promote" }],
        [501, ack(80)],
        [502, tick],
        [502.5, answer("promotion", "successful")],
        [503, ack(100)],
      ],
      expect: { status: "succeeded", currentWeight: 100, finishedAt: T0 + 503 * S },
      message: /^Succeeded: v2 is the stable version; roll back to return to v1\.$/,
    },
    {
      name: "promote goes to the next step from a timed pause, re-pushing the weight",
      script: [...started, [10, { type: "promote" }]],
      expect: { status: "progressing", currentStep: 2, currentWeight: 25 },
      lastRouting: [{ type: "setSplit", canaryPercent: 25 }],
    },
    {
      name: "promote into a pause re-pushes the current weight and starts its clock at the ack",
      script: [
        [0, { type: "start" }],
        [1, { type: "promote" }],
        [2, ack(10)],
      ],
      expect: { currentStep: 1, currentWeight: 10, stepStartedAt: T0 + 2 * S },
    },
    {
      name: "promote { full } skips every remaining step and analysis",
      script: [...started, [10, { type: "promote", full: true }]],
      expect: { status: "progressing", currentStep: 8, currentWeight: 100 },
      lastRouting: [{ type: "switchTo", version: "v2" }],
    },
    {
      name: "promote from the last step completes (the final analysis gates only automatic completion)",
      script: [...atIndefinitePause, [500, { type: "promote" }], [510, { type: "promote" }]],
      expect: { currentStep: 8, currentWeight: 100 },
      lastRouting: [{ type: "switchTo", version: "v2" }],
    },
  ])("$name", (c) => {
    const r = run(canary, c.script);
    expect(r.errors).toEqual([]);
    expect(r.state).toMatchObject(c.expect);
    if (c.lastRouting) expect(routingOf(r.last)).toEqual(c.lastRouting);
    if (c.message) expect(r.state.message).toMatch(c.message);
  });

  it("a healthy canary 10/25/50/100 with short pauses becomes stable, one push per weight", () => {
    const spec = rolloutSpecSchema.parse({
      poolId: "pool_1",
      stableVersion: "v1",
      newVersion: "v2",
      strategy: "canary",
      steps: [
        { setWeight: 10 },
        { pause: { durationMs: 2 * S } },
        { setWeight: 25 },
        { pause: { durationMs: 2 * S } },
        { setWeight: 50 },
        { pause: { durationMs: 2 * S } },
        { setWeight: 100 },
      ],
      analysis: { intervalMs: S, windowMs: 10 * S },
    });
    let state = initialRolloutState(spec);
    const pushed: RolloutAction[] = [];
    const background: RunAnalysisAction[] = [];
    let now = T0;
    const feed = (event: RolloutEvent) => {
      const r = step(state, event, now);
      if (!r.ok) throw new Error(r.error.message);
      state = r.state;
      for (const a of r.actions) {
        if (a.type === "setSplit" || a.type === "switchTo") pushed.push(a);
        // The controller's loop: agents ack every push at once; analysis passes.
        if (a.type === "runAnalysis") {
          if (a.kind === "background") background.push(a);
          feed({ type: "analysis", request: a, result: { verdict: "successful", reason: "ok" } });
        }
      }
      const routed = currentRouting(state);
      if (state.status === "progressing" && state.stepStartedAt === null && routed) {
        feed({ type: "agentsAcked", weight: state.currentWeight });
      }
    };
    feed({ type: "start" });
    for (let i = 0; i < 30 && state.status === "progressing"; i++) {
      now += S;
      feed({ type: "tick" });
    }
    expect(state.status).toBe("succeeded");
    expect(pushed).toEqual([
      { type: "setSplit", canaryPercent: 10 },
      { type: "setSplit", canaryPercent: 25 },
      { type: "setSplit", canaryPercent: 50 },
      { type: "setSplit", canaryPercent: 100 },
      { type: "switchTo", version: "v2" },
    ]);
    expect(now - T0).toBe(7 * S);
    // Background analysis ran every second, each over the traffic since the start (under 10 s).
    expect(background.map((b) => [b.from - T0, b.to - T0])).toEqual([
      [0, 1 * S],
      [0, 2 * S],
      [0, 3 * S],
      [0, 4 * S],
      [0, 5 * S],
      [0, 6 * S],
    ]);
  });
});

describe("analysis and abort", () => {
  it.each<{ name: string; script: Script; expect: Partial<RolloutState>; message?: RegExp }>([
    {
      name: "a failed background check below the limit counts and says so",
      script: [...started, [2, tick], [3, answer("background", "failed", "p95 412 ms > 300 ms maximum")]],
      expect: { status: "progressing", failedChecks: 1, currentStep: 1 },
      message:
        /^Check failed \(1 of 2 allowed before abort\) at step 2 of 7 \(pause 1 min\): p95 412 ms > 300 ms maximum\.$/,
    },
    {
      name: "an inconclusive background check changes nothing",
      script: [...started, [2, tick], [3, answer("background", "inconclusive")]],
      expect: { status: "progressing", failedChecks: 0, currentStep: 1 },
    },
    {
      name: "the failure limit aborts: degraded, with the reason",
      script: [
        ...started,
        [2, tick],
        [3, answer("background", "failed", "success rate 90% < 99% minimum over 1,204 requests")],
        [7, tick],
        [8, answer("background", "failed", "success rate 89.5% < 99% minimum over 2,410 requests")],
      ],
      expect: { status: "degraded", currentWeight: 0, failedChecks: 2, finishedAt: T0 + 8 * S },
      message:
        /^Aborted automatically after 2 failed checks \(limit 2\): success rate 89\.5% < 99% minimum over 2,410 requests\. All traffic back on v1\.$/,
    },
    {
      name: "failures count while paused too (a paused canary still serves traffic)",
      script: [
        ...started,
        [2, { type: "pause" }],
        [3, tick],
        [4, answer("background", "failed")],
        [9, tick],
        [10, answer("background", "failed")],
      ],
      expect: { status: "degraded" },
    },
    {
      name: "failed step windows and background checks add up to the limit",
      script: [
        ...analysing,
        [67, tick],
        [68, answer("background", "failed")],
        [92, tick],
        [93, answer("step", "failed")],
      ],
      expect: { status: "degraded", failedChecks: 2 },
    },
  ])("$name", (c) => {
    const r = run(canary, c.script);
    expect(r.errors).toEqual([]);
    expect(r.state).toMatchObject(c.expect);
    if (c.message) expect(r.state.message).toMatch(c.message);
  });

  it("requests background analysis on the interval and decisions as soon as they are due", () => {
    const r = run(canary, [...analysing, [63, tick], [66, tick], [67, tick], [92, tick], [93, tick]]);
    const requests = r.actions.flatMap(([at, a]) =>
      a.type === "runAnalysis" ? [[at, a.kind, a.from - T0, a.to - T0]] : [],
    );
    expect(requests).toEqual([
      [61, "background", 31 * S, 61 * S],
      [66, "background", 36 * S, 66 * S],
      // The window closes at 92 s: requested at once, though the interval has not passed.
      [92, "step", 62 * S, 92 * S],
    ]);
  });

  it("asks again after an interval when a decision's verdict never came", () => {
    const r = run(canary, [...analysing, [92, tick], [96, tick], [97, tick]]);
    expect(of(r.last, "runAnalysis")).toEqual([
      { type: "runAnalysis", kind: "step", step: 3, from: T0 + 62 * S, to: T0 + 92 * S },
    ]);
  });

  it("the failure limit returns all traffic to stable in one action, and stops", () => {
    const r = run(canary, [
      ...started,
      [2, tick],
      [3, answer("background", "failed")],
      [7, tick],
      [8, answer("background", "failed")],
    ]);
    expect(r.last).toEqual([
      { type: "switchTo", version: "v1" },
      { type: "audit", action: "rollout.degrade", message: expect.stringMatching(/^Aborted automatically/) },
      { type: "markFinished", status: "degraded" },
    ]);
    // Nothing further: a degraded rollout is not ticked into analysis.
    const after = step(r.state, tick, T0 + 60 * S);
    expect(after).toEqual({ ok: true, state: r.state, actions: [] });
  });

  it("writes every transition to the audit log", () => {
    const r = run(canary, [
      ...atIndefinitePause,
      [500, { type: "promote" }],
      [501, ack(80)],
      [502, tick],
      [502.5, answer("promotion", "successful")],
      [503, ack(100)],
    ]);
    expect(audits(r)).toEqual([
      "rollout.start",
      "rollout.step", // 10% reached
      "rollout.step", // pause started
      "rollout.step", // pause done
      "rollout.step", // 25% reached
      "rollout.step", // analysis started
      "rollout.analysis_passed",
      "rollout.step",
      "rollout.step",
      "rollout.promote",
      "rollout.step",
      "rollout.step",
      "rollout.analysis_passed",
      "rollout.step",
      "rollout.succeed",
    ]);
  });
});

describe("operator controls and agent gate", () => {
  it.each<{
    name: string;
    script: Script;
    expect: Partial<RolloutState>;
    lastRouting?: RolloutAction[];
    message?: RegExp;
  }>([
    {
      name: "pause stops the clock: a timed pause does not end while paused",
      script: [...started, [5, { type: "pause", by: "ada" }], [120, tick]],
      expect: { status: "paused", currentStep: 1 },
      message:
        /^Paused by ada at step 2 of 7 \(pause 1 min\); resume to continue, promote to skip ahead, abort to return to v1\.$/,
    },
    {
      name: "resume re-pushes the weight; the step's clock restarts at the ack",
      script: [...started, [5, { type: "pause" }], [120, { type: "resume" }], [121, ack(10)], [180, tick]],
      expect: { status: "progressing", currentStep: 1, stepStartedAt: T0 + 121 * S },
    },
    {
      name: "an agent's nack pauses the rollout with its reason",
      script: [
        [0, { type: "start" }],
        [1, { type: "agentNack", agent: "edge-2", reason: "pool shop: unknown version v2" }],
      ],
      expect: { status: "paused", currentStep: 0, stepStartedAt: null },
      message:
        /^Paused: agent edge-2 rejected the config: pool shop: unknown version v2\. Fix the agent or the config, then resume to push 10% to v2 again\.$/,
    },
    {
      name: "resume after a nack pushes the weight again",
      script: [
        [0, { type: "start" }],
        [1, { type: "agentNack", agent: "edge-2", reason: "x" }],
        [30, { type: "resume" }],
      ],
      expect: { status: "progressing", currentStep: 0, stepStartedAt: null },
      lastRouting: [{ type: "setSplit", canaryPercent: 10 }],
    },
    {
      name: "dragging the split slider during the rollout pauses it and says so",
      script: [...started, [5, { type: "manualSplitChange", canaryPercent: 40, by: "bob" }]],
      expect: { status: "paused", currentWeight: 10 },
      message:
        /^Paused: the split was set by bob to 40% v2 while the rollout is at 10%\. Resume re-applies 10% to v2, promote continues, abort returns all traffic to v1\.$/,
    },
    {
      name: "resume after a manual change re-applies the rollout's weight",
      script: [...started, [5, { type: "manualSplitChange", canaryPercent: 40 }], [6, { type: "resume" }]],
      expect: { status: "progressing", currentWeight: 10 },
      lastRouting: [{ type: "setSplit", canaryPercent: 10 }],
    },
    {
      name: "abort returns all traffic to stable in one action",
      script: [...started, [5, { type: "abort", by: "ada" }]],
      expect: { status: "aborted", currentWeight: 0, currentStep: 1 },
      lastRouting: [{ type: "switchTo", version: "v1" }],
      message:
        /^Aborted by ada at step 2 of 7 \(pause 1 min\): all traffic back on v1\. Retry to start again from step 1\.$/,
    },
    {
      name: "retry starts a degraded rollout again from the first step with a clean count",
      script: [
        ...started,
        [2, tick],
        [3, answer("background", "failed")],
        [7, tick],
        [8, answer("background", "failed")],
        [100, { type: "retry" }],
      ],
      expect: {
        status: "progressing",
        currentStep: 0,
        currentWeight: 10,
        failedChecks: 0,
        startedAt: T0 + 100 * S,
        finishedAt: null,
      },
      lastRouting: [{ type: "setSplit", canaryPercent: 10 }],
    },
    {
      name: "rollback of a succeeded rollout sends everything back to the previous stable",
      script: [...started, [5, { type: "promote", full: true }], [6, ack(100)], [600, { type: "rollback", by: "ada" }]],
      expect: { status: "rolled_back", currentWeight: 0, finishedAt: T0 + 600 * S },
      lastRouting: [{ type: "switchTo", version: "v1" }],
    },
    {
      name: "abort before the start changes no traffic",
      script: [[0, { type: "abort" }]],
      expect: { status: "aborted" },
      lastRouting: [],
    },
  ])("$name", (c) => {
    const r = run(canary, c.script);
    expect(r.errors).toEqual([]);
    expect(r.state).toMatchObject(c.expect);
    if (c.lastRouting) {
      expect(routingOf(r.last)).toEqual(c.lastRouting);
    }
    if (c.message) expect(r.state.message).toMatch(c.message);
  });
});

describe("blue-green", () => {
  it.each<{
    name: string;
    settings?: { autoPromoteAfterMs?: number; holdMs?: number };
    script: Script;
    expect: Partial<RolloutState>;
    lastRouting?: RolloutAction[];
    message?: RegExp;
  }>([
    {
      name: "start shows the new version to preview traffic only",
      script: [[0, { type: "start" }]],
      expect: { status: "progressing", currentStep: 0, currentWeight: 0, stepStartedAt: null },
      lastRouting: [{ type: "setPreview", version: "v2" }],
    },
    {
      name: "without auto-promotion the live preview waits for promotion",
      script: [
        [0, { type: "start" }],
        [1, ack(0)],
      ],
      expect: { status: "paused", currentStep: 0, stepStartedAt: T0 + S },
      message: /^Preview live: requests with header x-preview: v2 reach v2; waiting for promotion\.$/,
    },
    {
      name: "promote switches all traffic at once",
      script: [
        [0, { type: "start" }],
        [1, ack(0)],
        [30, { type: "promote" }],
      ],
      expect: { status: "progressing", currentStep: 1, currentWeight: 100, stepStartedAt: null },
      lastRouting: [{ type: "switchTo", version: "v2" }],
    },
    {
      name: "the old version is held ready after the switch",
      script: [
        [0, { type: "start" }],
        [1, ack(0)],
        [30, { type: "promote" }],
        [31, ack(100)],
        [330, tick],
      ],
      expect: { status: "progressing", currentStep: 1, stepStartedAt: T0 + 31 * S },
      message: /^Switched to v2; v1 kept ready for switch-back until 2023-11-14T22:18:51\.000Z\.$/,
    },
    {
      name: "the hold ends and the rollout succeeds",
      script: [
        [0, { type: "start" }],
        [1, ack(0)],
        [30, { type: "promote" }],
        [31, ack(100)],
        [331, tick],
      ],
      expect: { status: "succeeded", finishedAt: T0 + 331 * S },
    },
    {
      name: "switch back during the hold",
      script: [
        [0, { type: "start" }],
        [1, ack(0)],
        [30, { type: "promote" }],
        [31, ack(100)],
        [60, { type: "rollback" }],
      ],
      expect: { status: "rolled_back", currentWeight: 0 },
      lastRouting: [{ type: "switchTo", version: "v1" }],
      message: /^Switched back to v1 during the hold\.$/,
    },
    {
      name: "failed analysis during the hold switches back automatically",
      script: [
        [0, { type: "start" }],
        [1, ack(0)],
        [30, { type: "promote" }],
        [31, ack(100)],
        [32, tick],
        [33, answer("background", "failed")],
        [37, tick],
        [38, answer("background", "failed")],
      ],
      expect: { status: "degraded", currentWeight: 0 },
      lastRouting: [{ type: "switchTo", version: "v1" }],
    },
    {
      name: "promote during the hold ends it early",
      script: [
        [0, { type: "start" }],
        [1, ack(0)],
        [30, { type: "promote" }],
        [31, ack(100)],
        [40, { type: "promote" }],
      ],
      expect: { status: "succeeded" },
    },
    {
      name: "a zero hold succeeds as soon as every agent switched",
      settings: { holdMs: 0 },
      script: [
        [0, { type: "start" }],
        [1, ack(0)],
        [30, { type: "promote" }],
        [31, ack(100)],
      ],
      expect: { status: "succeeded", finishedAt: T0 + 31 * S },
    },
    {
      name: "auto-promotion waits for its delay",
      settings: { autoPromoteAfterMs: 60 * S },
      script: [
        [0, { type: "start" }],
        [1, ack(0)],
        [60, tick],
      ],
      expect: { status: "progressing", currentStep: 0 },
      message: /^Preview live: .*; promoting automatically after 1 min if analysis passes\.$/,
    },
    {
      name: "auto-promotion switches when the promotion analysis passes",
      settings: { autoPromoteAfterMs: 60 * S },
      script: [
        [0, { type: "start" }],
        [1, ack(0)],
        [61, tick],
        [62, answer("promotion", "successful")],
      ],
      expect: { status: "progressing", currentStep: 1, currentWeight: 100 },
      lastRouting: [{ type: "switchTo", version: "v2" }],
    },
    {
      name: "an inconclusive promotion analysis pauses for a human",
      settings: { autoPromoteAfterMs: 60 * S },
      script: [
        [0, { type: "start" }],
        [1, ack(0)],
        [61, tick],
        [62, answer("promotion", "inconclusive", "inconclusive: v2 served 12 requests")],
      ],
      expect: { status: "paused", currentStep: 0 },
      message: /^Paused: promotion analysis at the preview was inconclusive \(inconclusive: v2 served 12 requests\)\./,
    },
  ])("$name", (c) => {
    const r = run(blueGreen(c.settings), c.script);
    expect(r.errors).toEqual([]);
    expect(r.state).toMatchObject(c.expect);
    if (c.lastRouting) {
      expect(routingOf(r.last)).toEqual(c.lastRouting);
    }
    if (c.message) expect(r.state.message).toMatch(c.message);
  });

  it("preview → promote → hold → succeeded pushes exactly two routings", () => {
    const r = run(blueGreen(), [
      [0, { type: "start" }],
      [1, ack(0)],
      [30, { type: "promote" }],
      [31, ack(100)],
      [331, tick],
    ]);
    expect(routing(r)).toEqual([
      { type: "setPreview", version: "v2" },
      { type: "switchTo", version: "v2" },
    ]);
    expect(of(r.last, "markFinished")).toEqual([{ type: "markFinished", status: "succeeded" }]);
  });

  it("the promotion analysis judges the preview traffic since the preview went live, at most windowMs of it", () => {
    const r = run(blueGreen({ autoPromoteAfterMs: 20 * S }), [
      [0, { type: "start" }],
      [1, ack(0)],
      [21, tick],
    ]);
    expect(of(r.last, "runAnalysis")).toEqual([
      { type: "runAnalysis", kind: "promotion", step: 0, from: T0 + S, to: T0 + 21 * S },
    ]);
  });
});

describe("illegal and stale events are answered with an error", () => {
  const succeeded: Script = [...started, [5, { type: "promote", full: true }], [6, ack(100)]];
  const aborted: Script = [...started, [5, { type: "abort" }]];
  const rolledBack: Script = [...succeeded, [7, { type: "rollback" }]];
  it.each<[string, Script, RolloutEvent, RolloutTransitionError["kind"], RegExp]>([
    ["pause before the start", [], { type: "pause" }, "illegal", /^Cannot pause: the rollout has not started\.$/],
    ["resume before the start", [], { type: "resume" }, "illegal", /has not started/],
    ["promote before the start", [], { type: "promote" }, "illegal", /^Cannot promote: the rollout has not started\.$/],
    ["retry before the start", [], { type: "retry" }, "illegal", /only an aborted or degraded rollout can be retried/],
    [
      "rollback before the start",
      [],
      { type: "rollback" },
      "illegal",
      /^Cannot roll back: the rollout has not started\.$/,
    ],
    [
      "a split change with no rollout running",
      [],
      { type: "manualSplitChange", canaryPercent: 5 },
      "illegal",
      /has not started/,
    ],
    [
      "a nack before anything was pushed",
      [],
      { type: "agentNack", agent: "a", reason: "r" },
      "illegal",
      /has not started/,
    ],
    ["start twice", started, { type: "start" }, "illegal", /^Cannot start: the rollout is progressing/],
    ["resume when not paused", started, { type: "resume" }, "illegal", /^Cannot resume: the rollout is not paused\.$/],
    ["retry while progressing", started, { type: "retry" }, "illegal", /and the rollout is progressing/],
    [
      "roll back a canary in progress",
      started,
      { type: "rollback" },
      "illegal",
      /^Cannot roll back: the rollout is still progressing; abort returns all traffic to v1\.$/,
    ],
    [
      "pause twice",
      [...started, [5, { type: "pause" }]],
      { type: "pause" },
      "illegal",
      /^Already paused: Paused at step 2/,
    ],
    [
      "resume at a pause that waits for promotion",
      atIndefinitePause,
      { type: "resume" },
      "illegal",
      /^Cannot resume: step 6 of 7 \(pause until promoted\) waits for promotion; promote to continue\.$/,
    ],
    [
      "promote while completing",
      [...started, [5, { type: "promote", full: true }]],
      { type: "promote" },
      "illegal",
      /^Cannot promote: already completing/,
    ],
    [
      "promote a succeeded rollout",
      succeeded,
      { type: "promote" },
      "illegal",
      /^Cannot promote: the rollout is succeeded/,
    ],
    ["abort a succeeded rollout", succeeded, { type: "abort" }, "illegal", /; roll back to return to v1\.$/],
    ["retry a succeeded rollout", succeeded, { type: "retry" }, "illegal", /only an aborted or degraded/],
    ["abort twice", aborted, { type: "abort" }, "illegal", /^Cannot abort: the rollout is aborted/],
    [
      "roll back an aborted rollout",
      aborted,
      { type: "rollback" },
      "illegal",
      /^Cannot roll back: traffic is already on v1\.$/,
    ],
    ["resume an aborted rollout", aborted, { type: "resume" }, "illegal", /^Cannot resume: the rollout is aborted/],
    ["retry a rolled-back rollout", rolledBack, { type: "retry" }, "illegal", /the rollout is rolled back/],
    ["roll back twice", rolledBack, { type: "rollback" }, "illegal", /the rollout is rolled back/],
    [
      "an ack after the step was reached",
      started,
      ack(10),
      "stale",
      /^Ack not applied: step 2 of 7 \(pause 1 min\) was already reached\.$/,
    ],
    [
      "an ack for another weight",
      [[0, { type: "start" }]],
      ack(25),
      "stale",
      /^Ack for 25% not applied: step 1 of 7 \(setWeight 10%\) waits for agents to apply 10%\.$/,
    ],
    ["an ack after the end", succeeded, ack(100), "stale", /^Ack not applied: the rollout is succeeded/],
  ])("%s", (_name, script, event, kind, message) => {
    const before = run(canary, script);
    expect(before.errors).toEqual([]);
    const result = step(before.state, event, T0 + 1000 * S);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.kind).toBe(kind);
    expect(result.error.event).toBe(event.type);
    expect(result.error.message).toMatch(message);
  });

  it.each<[string, Script, Answer, RegExp]>([
    [
      "a step verdict after promote moved past the step",
      [...analysing, [92, tick], [93, { type: "promote" }]],
      answer("step", "successful"),
      /^Verdict not applied: step 5 of 7 \(setWeight 50%\) no longer waits for it\.$/,
    ],
    [
      "a verdict for the window before a failed one restarted it",
      [...analysing, [92, tick], [93, answer("step", "failed")]],
      answer("step", "successful"),
      /no longer waits for it/,
    ],
    [
      "a verdict after the rollout stopped",
      [...started, [2, tick], [3, { type: "abort" }]],
      answer("background", "failed"),
      /^Verdict not applied: the rollout is aborted/,
    ],
    [
      "a verdict from the attempt before a retry",
      [...started, [2, tick], [3, { type: "abort" }], [4, { type: "retry" }]],
      answer("background", "failed"),
      /^Verdict not applied: it judged traffic from before the current attempt started\.$/,
    ],
  ])("%s", (_name, script, verdict, message) => {
    const r = run(canary, [...script, [200, verdict]]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]?.[1].kind).toBe("stale");
    expect(r.errors[0]?.[1].message).toMatch(message);
  });

  it("never changes the state it was given, whether it answers with an error or a transition", () => {
    const before = run(canary, analysing).state;
    const snapshot = structuredClone(before);
    expect(step(before, { type: "resume" }, T0 + 70 * S).ok).toBe(false);
    expect(step(before, { type: "abort" }, T0 + 70 * S).ok).toBe(true);
    expect(step(before, tick, T0 + 92 * S).ok).toBe(true);
    expect(before).toEqual(snapshot);
  });
});

describe("restart", () => {
  it("a state rebuilt from the columns (no lastCheckAt) resumes the same step and checks at once", () => {
    const live = run(canary, analysing).state;
    const fromColumns: RolloutState = { ...live, lastCheckAt: null };
    const r = step(fromColumns, tick, T0 + 70 * S);
    expect(r.ok && r.state.currentStep).toBe(3);
    expect(r.ok && of(r.actions, "runAnalysis")).toEqual([
      { type: "runAnalysis", kind: "background", step: 3, from: T0 + 40 * S, to: T0 + 70 * S },
    ]);
  });

  it.each<[string, Script, ReturnType<typeof currentRouting>]>([
    ["pending", [], null],
    ["progressing", started, { type: "setSplit", canaryPercent: 10 }],
    ["completing", [...started, [5, { type: "promote", full: true }]], { type: "switchTo", version: "v2" }],
    [
      "succeeded",
      [...started, [5, { type: "promote", full: true }], [6, ack(100)]],
      { type: "switchTo", version: "v2" },
    ],
    ["aborted", [...started, [5, { type: "abort" }]], { type: "switchTo", version: "v1" }],
  ])("currentRouting when %s: what to push again after a restart", (_name, script, expected) => {
    expect(currentRouting(run(canary, script).state)).toEqual(expected);
  });
});
