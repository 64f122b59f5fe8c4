import {
  ApiException,
  AppsV1Api,
  createConfiguration,
  DiscoveryV1Api,
  KubeConfig,
  type RequestContext,
  type ResponseContext,
  ServerConfiguration,
  type V1Scale,
} from "@kubernetes/client-node";
import type { KubernetesActuatorConfig } from "@weir/config/api";

/**
 * The `kubernetes` actuator: a Deployment's replica count through its `scale` subresource, and its
 * ready endpoints from EndpointSlices, with the official client (`@kubernetes/client-node`).
 *
 * Requests it makes, and nothing else (so the RBAC role it needs is exactly
 * `deployments/scale: get, update` and `endpointslices: list` in the namespace):
 * - `GET  /apis/apps/v1/namespaces/{ns}/deployments/{name}/scale`
 * - `PUT  /apis/apps/v1/namespaces/{ns}/deployments/{name}/scale` with the `resourceVersion` just
 *   read, as the HPA writes it (read, then update): a concurrent change (kubectl scale, another
 *   controller) makes the write fail with 409 instead of being overwritten; the next evaluation
 *   reads again.
 * - `GET  /apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices?labelSelector=…`, with
 *   `kubernetes.io/service-name={service}` when the rule names a Service, else the Deployment's pod
 *   selector from the scale subresource (`status.selector`), which matches slices whose Service
 *   carries its pods' labels. Paged with `limit`/`continue`.
 *
 * An endpoint counts when its `conditions.ready` is true or absent (the API says absent means
 * ready); FQDN slices are skipped (the data plane needs addresses); an address in several slices
 * (they overlap while the slice controller rebalances) is listed once. The port is the configured
 * container port: pod IP + container port is routable whatever ports the Service exposes.
 *
 * Each request is cut after `requestTimeoutMs` (the client sets none). Errors are
 * `KubernetesApiError`s carrying the HTTP status and the API's Status reason and message.
 */

export type KubernetesTarget = Omit<KubernetesActuatorConfig, "kind">;

export interface DeploymentScale {
  /** spec.replicas: what the Deployment is asked to run. */
  desired: number;
  /** status.replicas: pods that exist now (ready or not). */
  observed: number;
  /** status.selector: the Deployment's pod label selector, as a string. */
  selector: string | null;
  resourceVersion: string | null;
}

export interface KubernetesEndpoint {
  address: string;
  podName?: string;
  nodeName?: string;
  zone?: string;
}

export interface DiscoveredEndpoints {
  port: number;
  /** Ready endpoints, deduplicated by address, sorted by address. */
  endpoints: KubernetesEndpoint[];
}

export class KubernetesApiError extends Error {
  readonly code = "WEIR_E_KUBERNETES_API";
  constructor(
    readonly operation: string,
    /** HTTP status; 0 when there was no answer. */
    readonly status: number,
    /** The API's Status reason (Conflict, NotFound, Forbidden...), when it sent one. */
    readonly reason: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = "KubernetesApiError";
  }
}

export interface KubernetesActuator {
  getScale(): Promise<DeploymentScale>;
  /** Sets spec.replicas to n; no write when it already is n. */
  setReplicas(n: number): Promise<{ from: number; to: number; changed: boolean }>;
  /**
   * The Deployment's ready endpoints. Without a Service the slices are found by the Deployment's
   * pod selector, from `scale` when the caller has just read it, else read here.
   */
  discoverEndpoints(scale?: DeploymentScale): Promise<DiscoveredEndpoints>;
}

export interface KubernetesActuatorOptions {
  /** Instead of building one from the target (tests, or a kubeconfig file the operator provides). */
  kubeConfig?: KubeConfig;
  /** Default 10 s. */
  requestTimeoutMs?: number;
}

/**
 * A KubeConfig built in code: the pod's service account when `inCluster`, else one cluster, one
 * user with the bearer token and one context. `caCertificate` is PEM; the client wants base64.
 */
export function kubeConfigFor(target: KubernetesTarget): KubeConfig {
  const kc = new KubeConfig();
  if (target.inCluster) {
    kc.loadFromCluster();
    return kc;
  }
  if (!target.apiServer) throw new Error("apiServer is required unless inCluster is true");
  kc.loadFromOptions({
    clusters: [
      {
        name: "weir-target",
        server: target.apiServer,
        skipTLSVerify: target.insecureSkipTlsVerify,
        caData: target.caCertificate ? Buffer.from(target.caCertificate).toString("base64") : undefined,
      },
    ],
    users: [{ name: "weir-autoscaler", token: target.tokenSecret }],
    contexts: [{ name: "weir", cluster: "weir-target", user: "weir-autoscaler", namespace: target.namespace }],
    currentContext: "weir",
  });
  return kc;
}

/** As KubeConfig.makeApiClient, plus a middleware that puts a deadline on every request. */
function apiClient<T>(
  kc: KubeConfig,
  Api: new (config: ReturnType<typeof createConfiguration>) => T,
  timeoutMs: number,
): T {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("the kubeconfig has no current cluster");
  return new Api(
    createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: kc },
      promiseMiddleware: [
        {
          pre: async (ctx: RequestContext) => {
            ctx.setSignal(AbortSignal.timeout(timeoutMs));
            return ctx;
          },
          post: async (res: ResponseContext) => res,
        },
      ],
    }),
  );
}

function toApiError(operation: string, error: unknown, timeoutMs: number): KubernetesApiError {
  if (error instanceof ApiException) {
    let body: unknown = error.body;
    if (typeof body === "string") {
      try {
        body = JSON.parse(body);
      } catch {
        // not JSON: keep the text
      }
    }
    const status = body as { reason?: string; message?: string } | string | undefined;
    const reason = typeof status === "object" ? status?.reason : undefined;
    const detail = typeof status === "object" ? status?.message : status;
    return new KubernetesApiError(
      operation,
      error.code,
      reason,
      `${operation}: HTTP ${error.code}${reason ? ` ${reason}` : ""}${detail ? `: ${detail}` : ""}`,
    );
  }
  const e = error as { name?: string; type?: string; message?: string; code?: string };
  if (e?.name === "AbortError" || e?.type === "aborted" || e?.name === "TimeoutError") {
    return new KubernetesApiError(operation, 0, undefined, `${operation}: no answer within ${timeoutMs} ms`);
  }
  return new KubernetesApiError(operation, 0, undefined, `${operation}: ${e?.message ?? String(error)}`);
}

function scaleOf(scale: V1Scale): DeploymentScale {
  return {
    desired: scale.spec?.replicas ?? 0,
    observed: scale.status?.replicas ?? 0,
    selector: scale.status?.selector ?? null,
    resourceVersion: scale.metadata?.resourceVersion ?? null,
  };
}

export function createKubernetesActuator(
  target: KubernetesTarget,
  options: KubernetesActuatorOptions = {},
): KubernetesActuator {
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const kc = options.kubeConfig ?? kubeConfigFor(target);
  const apps = apiClient(kc, AppsV1Api, timeoutMs);
  const discovery = apiClient(kc, DiscoveryV1Api, timeoutMs);
  const { namespace, deployment: name } = target;
  const where = `deployments/${name} in ${namespace}`;

  const call = async <T>(operation: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw toApiError(operation, error, timeoutMs);
    }
  };

  const getScale = () =>
    call(`get scale of ${where}`, () => apps.readNamespacedDeploymentScale({ name, namespace })).then(scaleOf);

  return {
    getScale,

    async setReplicas(n) {
      if (!Number.isInteger(n) || n < 0) throw new RangeError(`replicas must be a whole number ≥ 0, got ${n}`);
      const now = await getScale();
      if (now.desired === n) return { from: n, to: n, changed: false };
      const body: V1Scale = {
        apiVersion: "autoscaling/v1",
        kind: "Scale",
        metadata: { name, namespace, ...(now.resourceVersion ? { resourceVersion: now.resourceVersion } : {}) },
        spec: { replicas: n },
      };
      await call(`scale ${where} to ${n}`, () => apps.replaceNamespacedDeploymentScale({ name, namespace, body }));
      return { from: now.desired, to: n, changed: true };
    },

    async discoverEndpoints(scale) {
      let labelSelector: string;
      if (target.service) labelSelector = `kubernetes.io/service-name=${target.service}`;
      else {
        const { selector } = scale ?? (await getScale());
        if (!selector) {
          throw new KubernetesApiError(
            `discover endpoints of ${where}`,
            0,
            undefined,
            `${where} reports no pod selector`,
          );
        }
        labelSelector = selector;
      }
      const byAddress = new Map<string, KubernetesEndpoint>();
      let cont: string | undefined;
      do {
        const page = await call(`list endpointslices (${labelSelector}) in ${namespace}`, () =>
          discovery.listNamespacedEndpointSlice({ namespace, labelSelector, limit: 500, _continue: cont }),
        );
        for (const slice of page.items) {
          if (slice.addressType !== "IPv4" && slice.addressType !== "IPv6") continue;
          for (const ep of slice.endpoints ?? []) {
            if (ep.conditions?.ready === false) continue;
            for (const address of ep.addresses) {
              if (byAddress.has(address)) continue;
              byAddress.set(address, {
                address,
                ...(ep.targetRef?.kind === "Pod" && ep.targetRef.name ? { podName: ep.targetRef.name } : {}),
                ...(ep.nodeName ? { nodeName: ep.nodeName } : {}),
                ...(ep.zone ? { zone: ep.zone } : {}),
              });
            }
          }
        }
        cont = page.metadata?._continue || undefined;
      } while (cont);
      const endpoints = [...byAddress.values()].sort((a, b) =>
        a.address < b.address ? -1 : a.address > b.address ? 1 : 0,
      );
      return { port: target.port, endpoints };
    },
  };
}
