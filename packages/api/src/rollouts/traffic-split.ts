import { type TrafficSplit, trafficSplitSchema } from "@weir/config";
import type { RolloutMatch, RolloutSpec } from "@weir/config/api";
import type { RoutingAction } from "./machine";

/** The data plane's own defaults for the override names and stickiness, read once from its schema. */
const DEFAULTS = trafficSplitSchema.parse({ stableVersion: "-", canaryVersion: "-", canaryPercent: 0 });

/**
 * The pool's data-plane traffic split for a rollout's routing action. Pure; O(1).
 *
 * - `setSplit`: stable → `stableVersion`, canary → `newVersion` at `canaryPercent`; the tester
 *   match becomes the override header (or cookie) name; `sticky` keeps the pool's sticky key when
 *   it has one (client IP by default), else `stickyOn: "none"` (a fresh draw per request).
 * - `setPreview`: the same at 0%, with `previewMatch` as the override.
 * - `switchTo`: all traffic to `version`, written as `version` being the stable side at 0% and the
 *   data plane's default override names, so the rollout's tester match stops applying (after an
 *   abort testers no longer land on the failed version by accident; a request naming a version in
 *   `x-weir-version` still reaches it, as on any split).
 *
 * `current` is the pool's split before this change, to keep an operator's sticky key.
 */
export function trafficSplitFor(
  spec: RolloutSpec,
  routing: RoutingAction,
  current?: TrafficSplit | null,
): TrafficSplit {
  const sticky =
    current && current.stickyOn !== "none"
      ? { stickyOn: current.stickyOn, ...(current.stickyName === undefined ? {} : { stickyName: current.stickyName }) }
      : { stickyOn: DEFAULTS.stickyOn };
  switch (routing.type) {
    case "setSplit": {
      const match = spec.strategy === "canary" ? spec.match : null;
      return {
        stableVersion: spec.stableVersion,
        canaryVersion: spec.newVersion,
        canaryPercent: routing.canaryPercent,
        ...overrides(match),
        ...(spec.strategy === "canary" && !spec.sticky ? { stickyOn: "none" as const } : sticky),
      };
    }
    case "setPreview":
      return {
        stableVersion: spec.stableVersion,
        canaryVersion: routing.version,
        canaryPercent: 0,
        ...overrides(spec.strategy === "blue_green" ? spec.blueGreen.previewMatch : null),
        ...sticky,
      };
    case "switchTo":
      return {
        stableVersion: routing.version,
        canaryVersion: routing.version === spec.newVersion ? spec.stableVersion : spec.newVersion,
        canaryPercent: 0,
        ...overrides(null),
        ...sticky,
      };
  }
}

function overrides(match: RolloutMatch | null): Pick<TrafficSplit, "overrideHeader" | "overrideCookie"> {
  return {
    overrideHeader: match?.header?.name ?? DEFAULTS.overrideHeader,
    overrideCookie: match?.cookie?.name ?? DEFAULTS.overrideCookie,
  };
}
