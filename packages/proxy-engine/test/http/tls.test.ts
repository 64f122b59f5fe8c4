import { type AddressInfo, createServer } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { generate } from "selfsigned";
import { Agent, request } from "undici";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createEngine } from "../../src";
import { Cleanup, startBackend } from "../support/backends";
import { singlePoolConfig } from "../support/config";
import { startEngine } from "../support/engine";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

interface Pem {
  cert: string;
  private: string;
}
let shop: Pem;
let api: Pem;

beforeAll(async () => {
  const ext = (names: string[]) => ({
    keySize: 2048,
    algorithm: "sha256",
    extensions: [{ name: "subjectAltName" as const, altNames: names.map((value) => ({ type: 2 as const, value })) }],
  });
  shop = await generate([{ name: "commonName", value: "shop.test" }], ext(["shop.test"]));
  api = await generate([{ name: "commonName", value: "api.test" }], ext(["api.test", "*.api.test"]));
}, 60_000);

function peerName(port: number, servername: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ port, host: "127.0.0.1", servername, rejectUnauthorized: false }, () => {
      const cn = socket.getPeerCertificate().subject?.CN;
      socket.destroy();
      resolve(String(cn));
    });
    socket.on("error", reject);
  });
}

describe("TLS termination", () => {
  it("terminates TLS on a tcp listener and splices the plaintext to the backend", async () => {
    const echo = createServer((s) => {
      s.on("error", () => {});
      s.pipe(s);
    });
    await new Promise<void>((r) => echo.listen(0, "127.0.0.1", r));
    cleanup.add(() => new Promise<void>((r) => echo.close(() => r())));
    const engine = createEngine();
    cleanup.add(() => engine.close());
    await engine.apply({
      version: 1,
      listeners: [
        {
          name: "tls-tcp",
          protocol: "tcp",
          bind: { host: "127.0.0.1", port: 0 },
          defaultPool: "p",
          tls: { certificates: [{ hosts: ["shop.test"], certPem: shop.cert, keyPem: shop.private }] },
        },
      ],
      pools: [
        {
          name: "p",
          healthCheck: { type: "none" },
          backends: [{ id: "e", address: { host: "127.0.0.1", port: (echo.address() as AddressInfo).port } }],
        },
      ],
    });
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = tlsConnect(
        { port: engine.port("tls-tcp"), host: "127.0.0.1", servername: "shop.test", ca: shop.cert },
        () => socket.write("ping"),
      );
      socket.once("data", (d) => {
        socket.destroy();
        resolve(d.toString());
      });
      socket.on("error", reject);
    });
    expect(reply).toBe("ping");
  });

  it("terminates TLS with the certificate SNI asks for, and proxies to a plain backend", async () => {
    const a = await startBackend("a");
    cleanup.add(() => a.close());
    const { port } = await startEngine(
      cleanup,
      singlePoolConfig(
        [a],
        {},
        {
          tls: {
            certificates: [
              { hosts: ["shop.test"], certPem: shop.cert, keyPem: shop.private },
              { hosts: ["api.test", "*.api.test"], certPem: api.cert, keyPem: api.private },
            ],
          },
        },
      ),
    );
    expect(await peerName(port, "shop.test")).toBe("shop.test");
    expect(await peerName(port, "api.test")).toBe("api.test");
    expect(await peerName(port, "v2.api.test")).toBe("api.test");
    expect(await peerName(port, "unknown.test")).toBe("shop.test");

    const agent = new Agent({ connect: { ca: shop.cert, servername: "shop.test" } });
    cleanup.add(() => agent.close());
    const res = await request(`https://127.0.0.1:${port}/`, { dispatcher: agent, headers: { host: "shop.test" } });
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe("a");
    expect(a.lastHeaders["x-forwarded-proto"]).toBe("https");
  });

  it("13.6: a certificate whose key does not load refuses the whole config before anything is bound or changed", async () => {
    const b = await startBackend("b");
    cleanup.add(() => b.close());
    const tls = { certificates: [{ hosts: ["shop.test"], certPem: shop.cert, keyPem: shop.private }] };
    const { engine, port } = await startEngine(cleanup, singlePoolConfig([b], {}, { tls }));
    const probe = createServer();
    const extraPort = await new Promise<number>((resolve) =>
      probe.listen(0, "127.0.0.1", () => resolve((probe.address() as AddressInfo).port)),
    );
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const broken = { certificates: [{ hosts: ["shop.test"], certPem: shop.cert, keyPem: api.private }] };
    const next = singlePoolConfig([b], {}, { tls: broken }, 2);
    const error = await engine
      .apply({
        ...next,
        listeners: [
          ...(next.listeners ?? []),
          { name: "extra", bind: { host: "127.0.0.1", port: extraPort }, routes: [{ name: "all", pool: "p" }] },
        ],
      })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "WEIR_E_INVALID_CONFIG" });
    expect((error as { issues: string[] }).issues[0]).toMatch(/^listeners\[0\]\.tls\.certificates: /);
    expect(engine.config?.version).toBe(1);
    expect(engine.listenerInfo().map((l) => l.name)).toEqual(["web"]);
    // Nothing holds the new listener's port: a later config can have it.
    const free = createServer();
    await new Promise<void>((resolve, reject) => {
      free.once("error", reject);
      free.listen(extraPort, "127.0.0.1", () => resolve());
    });
    await new Promise<void>((resolve) => free.close(() => resolve()));
    expect(await peerName(port, "shop.test")).toBe("shop.test");
  });

  it("13.8: the sticky cookie is Secure on a TLS listener", async () => {
    const b = await startBackend("b");
    cleanup.add(() => b.close());
    const tls = { certificates: [{ hosts: ["shop.test"], certPem: shop.cert, keyPem: shop.private }] };
    const { port } = await startEngine(cleanup, singlePoolConfig([b], { stickiness: { enabled: true } }, { tls }));
    const dispatcher = new Agent({ connect: { rejectUnauthorized: false, servername: "shop.test" } });
    cleanup.add(() => dispatcher.close());
    const res = await request(`https://127.0.0.1:${port}/`, { dispatcher });
    await res.body.text();
    expect(String(res.headers["set-cookie"])).toMatch(/; HttpOnly; SameSite=Lax; Secure$/);
  });
});
