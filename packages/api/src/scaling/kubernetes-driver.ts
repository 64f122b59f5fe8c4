import type { KubernetesActuatorConfig, ScalingRuleSpec } from "@weir/config/api";
import type { DecisionRecord } from "../domain/scaling/record-decision";
import type { ScalingRuleRow } from "../domain/scaling/rule-row";
import { inScope, isManagedBy } from "../domain/scaling/rule-state";
import {
  addManagedBackends,
  drainManagedBackends,
  type NewBackend,
  type RuleRef,
} from "../domain/scaling/scale-backends";
import { createKubernetesActuator, type KubernetesActuator, type KubernetesTarget } from "./actuators/kubernetes";
import { defaultVersion, weightFor } from "./plan";
import type { ScalingRuntime } from "./runtime";

/**
 * The kubernetes actuator's side in the control plane: one client per rule (made again when its
 * target changes), a rule evaluated at most every `everyMs` (each evaluation reads the Deployment
 * and its EndpointSlices), the pool kept to the Deployment's ready endpoints (origin discovery),
 * and the replica count written through the scale subresource.
 */
export class KubernetesDriver {
  private readonly clients = new Map<string, { key: string; client: KubernetesActuator }>();
  private readonly lastSync = new Map<string, number>();

  constructor(
    private readonly rt: ScalingRuntime,
    private readonly everyMs: number,
    private readonly make: (target: KubernetesTarget) => KubernetesActuator = createKubernetesActuator,
  ) {}

  /** Claims the rule's next look at its Deployment: false when the last one was under `everyMs` ago. */
  claimSync(ruleId: string, now: number): boolean {
    const last = this.lastSync.get(ruleId);
    if (last !== undefined && now - last < this.everyMs) return false;
    this.lastSync.set(ruleId, now);
    return true;
  }

  /** A new leader looks at every Deployment at once. */
  reset(): void {
    this.lastSync.clear();
  }

  clientFor(ruleId: string, config: KubernetesActuatorConfig): KubernetesActuator {
    const { kind: _kind, ...target } = config;
    const key = JSON.stringify(target);
    const cached = this.clients.get(ruleId);
    if (cached?.key === key) return cached.client;
    const client = this.make(target);
    this.clients.set(ruleId, { key, client });
    return client;
  }

  /**
   * Makes the pool follow the Deployment's ready endpoints (new ones added, vanished ones
   * drained), then returns its spec.replicas. The scale is read once: first when the endpoints
   * are found by the Deployment's pod selector, else after them, so a rule with a Service keeps
   * its endpoints even when the scale cannot be read.
   */
  async sync(row: ScalingRuleRow, spec: ScalingRuleSpec, ref: RuleRef, kube: KubernetesActuator, now: number) {
    const { db } = this.rt;
    const service = spec.actuator.kind === "kubernetes" ? spec.actuator.service : undefined;
    const first = service ? undefined : await kube.getScale();
    const { port, endpoints } = await kube.discoverEndpoints(first);
    const want = new Set(endpoints.map((e) => `${e.address}:${port}`));
    const mine = row.pool.backends.filter((b) => isManagedBy(row.id, b));
    const have = new Set(mine.map((b) => `${b.host}:${b.port}`));
    const scoped = row.pool.backends.filter((b) => inScope(spec, b) && b.state === "active");
    const version = defaultVersion(spec, scoped);
    const add: NewBackend[] = endpoints
      .filter((e) => !have.has(`${e.address}:${port}`))
      .map((e) => ({
        host: e.address,
        port,
        versionLabel: version,
        weight: weightFor(scoped),
        origin: "discovery" as const,
        metadata: {
          rule: row.id,
          actuator: "kubernetes" as const,
          ...(e.podName ? { pod: e.podName } : {}),
          ...(e.zone ? { zone: e.zone } : {}),
        },
      }));
    if (add.length > 0) await addManagedBackends({ db, rule: ref, backends: add, action: "scaling.discover", now });
    const gone = mine.filter((b) => b.state === "active" && !want.has(`${b.host}:${b.port}`));
    if (gone.length > 0)
      await drainManagedBackends({
        db,
        rule: ref,
        backendIds: gone.map((b) => b.id),
        reason: "no longer a ready endpoint of the Deployment",
        now,
      });
    return (first ?? (await kube.getScale())).desired;
  }

  /** Sets the Deployment's replicas; a scale event once it took, a failure when it did not. */
  async scale(
    row: ScalingRuleRow,
    spec: ScalingRuleSpec,
    kube: KubernetesActuator,
    replicas: number,
    change: { from: number; to: number },
    decision: Pick<DecisionRecord, "current" | "desired">,
  ): Promise<void> {
    try {
      await kube.setReplicas(replicas);
    } catch (error) {
      await this.rt.recordFailure(row.id, this.rt.clock(), error, decision);
      return;
    }
    await this.rt.recordEvent(row.id, spec, change, this.rt.clock());
  }
}
