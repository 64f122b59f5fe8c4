import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  createKubernetesActuator,
  KubernetesApiError,
  type KubernetesTarget,
} from "../../src/scaling/actuators/kubernetes";

/**
 * A small Kubernetes API server on port 0 (plain http) that speaks the two resources the actuator
 * uses, with bodies shaped as a real API server sends them, and records every request.
 */
interface Recorded {
  method: string;
  url: string;
  authorization?: string;
  contentType?: string;
  body?: unknown;
}

const TOKEN = "test-token-abc";
const SCALE_PATH = "/apis/apps/v1/namespaces/shop/deployments/web/scale";
const SLICES_PATH = "/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices";

function status(code: number, reason: string, message: string) {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
}

function endpointSlice(name: string, addressType: string, endpoints: unknown[]) {
  return {
    kind: "EndpointSlice",
    apiVersion: "discovery.k8s.io/v1",
    metadata: {
      name,
      namespace: "shop",
      labels: {
        "kubernetes.io/service-name": "web",
        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
        app: "web",
      },
      resourceVersion: "5501",
    },
    addressType,
    endpoints,
    ports: [{ name: "http", protocol: "TCP", port: 8080 }],
  };
}

const pod = (name: string, ip: string, ready: boolean | undefined, node = "node-a", zone = "eu-west-1a") => ({
  addresses: [ip],
  conditions: ready === undefined ? {} : { ready, serving: ready, terminating: false },
  nodeName: node,
  zone,
  targetRef: { kind: "Pod", namespace: "shop", name, uid: `uid-${name}` },
});

class FakeApiServer {
  readonly requests: Recorded[] = [];
  replicas = 3;
  resourceVersion = 1001;
  /** When set, the next PUT finds a newer resourceVersion (someone else scaled in between). */
  raceOnPut = false;
  hang = false;
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        this.requests.push({
          method: req.method ?? "",
          url: req.url ?? "",
          authorization: req.headers.authorization,
          contentType: req.headers["content-type"],
          ...(raw ? { body: JSON.parse(raw) } : {}),
        });
        if (this.hang) return;
        const send = (code: number, body: unknown) =>
          res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify(body));
        if (req.headers.authorization !== `Bearer ${TOKEN}`)
          return send(401, status(401, "Unauthorized", "Unauthorized"));
        const url = new URL(req.url ?? "/", "http://x");
        if (url.pathname === SCALE_PATH) {
          if (req.method === "GET") return send(200, this.scale());
          if (req.method === "PUT" || req.method === "PATCH") {
            const body = JSON.parse(raw) as { metadata?: { resourceVersion?: string }; spec?: { replicas?: number } };
            if (this.raceOnPut) {
              this.raceOnPut = false;
              this.resourceVersion++;
            }
            if (req.method === "PUT" && body.metadata?.resourceVersion !== String(this.resourceVersion)) {
              return send(
                409,
                status(
                  409,
                  "Conflict",
                  'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again',
                ),
              );
            }
            this.replicas = body.spec?.replicas ?? this.replicas;
            this.resourceVersion++;
            return send(200, this.scale());
          }
        }
        if (url.pathname === SLICES_PATH && req.method === "GET") {
          const selector = url.searchParams.get("labelSelector");
          if (selector !== "kubernetes.io/service-name=web" && selector !== "app=web") {
            return send(200, {
              kind: "EndpointSliceList",
              apiVersion: "discovery.k8s.io/v1",
              metadata: { resourceVersion: "5600" },
              items: [],
            });
          }
          return send(200, {
            kind: "EndpointSliceList",
            apiVersion: "discovery.k8s.io/v1",
            metadata: { resourceVersion: "5600" },
            items: [
              endpointSlice("web-abcde", "IPv4", [
                pod("web-7d9f-1", "10.1.0.12", true),
                pod("web-7d9f-2", "10.1.0.13", false),
                pod("web-7d9f-3", "10.1.0.11", undefined, "node-b", "eu-west-1b"),
              ]),
              // Overlaps the first while the slice controller rebalances.
              endpointSlice("web-fghij", "IPv4", [pod("web-7d9f-1", "10.1.0.12", true)]),
              endpointSlice("web-fqdn", "FQDN", [{ addresses: ["web.example.com"], conditions: { ready: true } }]),
            ],
          });
        }
        send(404, status(404, "NotFound", `the server could not find the requested resource`));
      });
    });
    await new Promise<void>((r) => this.server?.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  scale() {
    return {
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: {
        name: "web",
        namespace: "shop",
        uid: "0b1c9a6e-3f1d-4c55-9d5e-8a7f4b2c1d00",
        resourceVersion: String(this.resourceVersion),
        creationTimestamp: "2025-01-01T00:00:00Z",
      },
      spec: { replicas: this.replicas },
      status: { replicas: this.replicas, selector: "app=web" },
    };
  }

  async stop() {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}

const servers: FakeApiServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

async function setup(extra: Partial<KubernetesTarget> = {}, requestTimeoutMs?: number) {
  const api = new FakeApiServer();
  servers.push(api);
  const apiServer = await api.start();
  const target: KubernetesTarget = {
    inCluster: false,
    apiServer,
    tokenSecret: TOKEN,
    // Plain http: the client refuses it unless TLS verification is explicitly off.
    insecureSkipTlsVerify: true,
    namespace: "shop",
    deployment: "web",
    port: 8080,
    ...extra,
  };
  return { api, actuator: createKubernetesActuator(target, { requestTimeoutMs }) };
}

describe("kubernetes actuator", () => {
  it("reads the scale subresource with the bearer token", async () => {
    const { api, actuator } = await setup();
    expect(await actuator.getScale()).toEqual({
      desired: 3,
      observed: 3,
      selector: "app=web",
      resourceVersion: "1001",
    });
    expect(api.requests).toEqual([
      { method: "GET", url: SCALE_PATH, authorization: `Bearer ${TOKEN}`, contentType: undefined },
    ]);
  });

  it("sets replicas by reading the scale and replacing it with the resourceVersion it read", async () => {
    const { api, actuator } = await setup();
    expect(await actuator.setReplicas(5)).toEqual({ from: 3, to: 5, changed: true });
    expect(api.requests).toEqual([
      { method: "GET", url: SCALE_PATH, authorization: `Bearer ${TOKEN}`, contentType: undefined },
      {
        method: "PUT",
        url: SCALE_PATH,
        authorization: `Bearer ${TOKEN}`,
        contentType: "application/json",
        body: {
          apiVersion: "autoscaling/v1",
          kind: "Scale",
          metadata: { name: "web", namespace: "shop", resourceVersion: "1001" },
          spec: { replicas: 5 },
        },
      },
    ]);
    expect(api.replicas).toBe(5);
  });

  it("does not write when the count is already right", async () => {
    const { api, actuator } = await setup();
    expect(await actuator.setReplicas(3)).toEqual({ from: 3, to: 3, changed: false });
    expect(api.requests.map((r) => r.method)).toEqual(["GET"]);
  });

  it("a concurrent change makes the write fail with 409 Conflict, not overwrite it", async () => {
    const { api, actuator } = await setup();
    api.raceOnPut = true;
    const error = await actuator.setReplicas(6).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubernetesApiError);
    expect(error).toMatchObject({ status: 409, reason: "Conflict", code: "WEIR_E_KUBERNETES_API" });
    expect((error as Error).message).toMatch(
      /^scale deployments\/web in shop to 6: HTTP 409 Conflict: Operation cannot be fulfilled/,
    );
    expect(api.replicas).toBe(3);
  });

  it("discovers ready endpoints from the Service's EndpointSlices, once each, without FQDN slices", async () => {
    const { api, actuator } = await setup({ service: "web" });
    expect(await actuator.discoverEndpoints()).toEqual({
      port: 8080,
      endpoints: [
        { address: "10.1.0.11", podName: "web-7d9f-3", nodeName: "node-b", zone: "eu-west-1b" },
        { address: "10.1.0.12", podName: "web-7d9f-1", nodeName: "node-a", zone: "eu-west-1a" },
      ],
    });
    expect(api.requests).toEqual([
      {
        method: "GET",
        url: `${SLICES_PATH}?labelSelector=${encodeURIComponent("kubernetes.io/service-name=web")}&limit=500`,
        authorization: `Bearer ${TOKEN}`,
        contentType: undefined,
      },
    ]);
  });

  it("without a Service, selects the slices by the Deployment's pod selector", async () => {
    const { api, actuator } = await setup();
    const found = await actuator.discoverEndpoints();
    expect(found.endpoints.map((e) => e.address)).toEqual(["10.1.0.11", "10.1.0.12"]);
    expect(api.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      `GET ${SCALE_PATH}`,
      `GET ${SLICES_PATH}?labelSelector=${encodeURIComponent("app=web")}&limit=500`,
    ]);
    // With the scale the controller has just read, only the slices.
    const scale = await actuator.getScale();
    api.requests.length = 0;
    await actuator.discoverEndpoints(scale);
    expect(api.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      `GET ${SLICES_PATH}?labelSelector=${encodeURIComponent("app=web")}&limit=500`,
    ]);
  });

  it("reports a refused token and a missing Deployment with the API's reason", async () => {
    const { actuator: wrongToken } = await setup({ tokenSecret: "nope" });
    await expect(wrongToken.getScale()).rejects.toMatchObject({ status: 401 });
    const { actuator: missing } = await setup({ deployment: "nope" });
    await expect(missing.getScale()).rejects.toMatchObject({ status: 404, reason: "NotFound" });
  });

  it("cuts a request the API server does not answer", async () => {
    const { api, actuator } = await setup({}, 200);
    api.hang = true;
    await expect(actuator.getScale()).rejects.toMatchObject({
      status: 0,
      message: "get scale of deployments/web in shop: no answer within 200 ms",
    });
  });
});
