"use client";

import { useEffect, useRef, useState } from "react";

interface Backend {
  id: string;
  host: string;
  port: number;
  weight: number;
  versionLabel: string;
  state: string;
}

interface Split {
  stableVersion: string;
  canaryVersion: string;
  canaryPercent: number;
}

/** Jumps larger than this ask for confirmation before they apply. */
const CONFIRM_ABOVE_POINTS = 25;
/** Keyboard changes apply once the keys rest this long, not at every arrow press. */
const KEYBOARD_SETTLE_MS = 800;

/**
 * The canary slider: the share of a pool's traffic that goes to one version. While dragging it
 * previews each backend's resulting share; on release it applies (asking first for a big jump).
 * A native range input, so arrows, Page Up/Down, Home and End work.
 */
export function SplitSlider(props: {
  backends: Backend[];
  split: Split | null;
  disabled: boolean;
  onApply: (split: Split | null) => void;
}) {
  const versions = [...new Set(props.backends.map((backend) => backend.versionLabel))].sort();
  const stable = props.split?.stableVersion ?? versions[0] ?? "v1";
  const canary = props.split?.canaryVersion ?? versions.find((version) => version !== stable) ?? "";
  // Without a split, traffic follows the weights across every version: show that share.
  const serving = props.backends.filter((backend) => backend.state === "active");
  const weightOf = (version: string) =>
    serving.filter((backend) => backend.versionLabel === version).reduce((sum, b) => sum + b.weight, 0);
  const totalWeight = serving.reduce((sum, b) => sum + b.weight, 0);
  const byWeight = totalWeight === 0 ? 0 : Math.round((100 * weightOf(canary)) / totalWeight);
  const applied = props.split?.canaryPercent ?? byWeight;
  const [draft, setDraft] = useState<number | null>(null);
  const percent = draft ?? applied;
  const unsplit = props.split === null && draft === null;
  const settle = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(settle.current), []);

  if (versions.length < 2 || !canary) {
    return <p className="muted small">Add backends of a second version label to split traffic between versions.</p>;
  }

  const release = () => {
    clearTimeout(settle.current);
    if (draft === null || draft === applied) {
      setDraft(null);
      return;
    }
    const jump = Math.abs(draft - applied);
    if (
      jump > CONFIRM_ABOVE_POINTS &&
      !window.confirm(`Move ${jump}% of ${stable}'s traffic at once (${applied}% → ${draft}% on ${canary})?`)
    ) {
      setDraft(null);
      return;
    }
    props.onApply({ stableVersion: stable, canaryVersion: canary, canaryPercent: draft });
    setDraft(null);
  };

  const share = (backend: Backend) => {
    if (backend.state !== "active") return 0;
    if (unsplit) return totalWeight === 0 ? 0 : (100 * backend.weight) / totalWeight;
    const versionShare =
      backend.versionLabel === canary ? percent : backend.versionLabel === stable ? 100 - percent : 0;
    const total = weightOf(backend.versionLabel);
    return total === 0 ? 0 : (versionShare * backend.weight) / total;
  };

  return (
    <div className="panel split-slider">
      <label htmlFor="split-slider">
        Traffic to <strong>{canary}</strong>: <output htmlFor="split-slider">{percent}%</output>{" "}
        <span className="muted">
          ({100 - percent}% to {stable})
        </span>
      </label>
      <input
        id="split-slider"
        type="range"
        min={0}
        max={100}
        step={1}
        value={percent}
        disabled={props.disabled}
        aria-valuetext={`${percent}% to ${canary}, ${100 - percent}% to ${stable}`}
        onChange={(event) => setDraft(Number(event.target.value))}
        onPointerUp={release}
        onKeyUp={() => {
          clearTimeout(settle.current);
          settle.current = setTimeout(release, KEYBOARD_SETTLE_MS);
        }}
        onBlur={release}
      />
      {draft !== null && draft !== applied && (
        <p className="small muted">Preview, not applied yet: release to apply.</p>
      )}
      {unsplit && (
        <p className="small muted">
          No split is set: traffic follows the backends' weights. Moving the slider sets one.
        </p>
      )}
      <ul className="share-preview" aria-label="Resulting share per backend">
        {props.backends.map((backend) => (
          <li key={backend.id}>
            <code>
              {backend.host}:{backend.port}
            </code>{" "}
            <span className="muted">{backend.versionLabel}</span> <strong>{share(backend).toFixed(1)}%</strong>
          </li>
        ))}
      </ul>
    </div>
  );
}
