import { connect } from "node:net";
import { parseEngineConfig } from "@weir/config";
import { afterEach, describe, expect, it } from "vitest";
import type { Engine } from "../../src";
import type { ListenerState } from "../../src/http/exchange";
import { HttpListener } from "../../src/http/listener";
import type { PoolRuntime } from "../../src/pool";
import type { TcpListenerState } from "../../src/tcp/listener";
import { TcpListener } from "../../src/tcp/listener";
import { Cleanup, startBackend } from "../support/backends";
import { eventually } from "../support/client";
import { singlePoolConfig } from "../support/config";
import { RawConnection, startEngine } from "../support/engine";

// A listener bound by the prepare step of an apply accepts connections before the commit gives it
// routes. Those connections wait, paused, and are served once it is activated.

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** The running engine's state builders: what its commit hands a listener. */
type StateBuilders = {
  httpState(lc: unknown, pools: Map<string, PoolRuntime>): ListenerState;
  tcpState(lc: unknown, pools: Map<string, PoolRuntime>): TcpListenerState;
  pools: Map<string, PoolRuntime>;
};

describe("a listener between bind and commit", () => {
  it("13.6: holds an HTTP connection it accepted before activation and serves it after", async () => {
    const backend = await startBackend("a");
    cleanup.add(() => backend.close());
    const { engine } = await startEngine(cleanup, singlePoolConfig([backend]));
    const lc = parseEngineConfig(singlePoolConfig([backend], {}, { name: "late" })).listeners[0]!;
    const listener = new HttpListener(lc);
    await listener.listen();
    cleanup.add(() => listener.close(0));

    const client = new RawConnection(listener.address().port);
    cleanup.add(async () => client.close());
    const answered = client.get("/");
    await eventually(() => listener.connections.accepted === 1);

    const internals = engine as unknown as StateBuilders;
    listener.activate(internals.httpState(lc, internals.pools));
    expect(await answered).toBe("HTTP/1.1 200 OK");
  });

  it("13.6: holds a TCP connection it accepted before activation and splices it after", async () => {
    const backend = await startBackend("a");
    cleanup.add(() => backend.close());
    const { engine } = await startEngine(cleanup, singlePoolConfig([backend]));
    const lc = parseEngineConfig({
      version: 1,
      listeners: [{ name: "raw", protocol: "tcp", bind: { host: "127.0.0.1", port: 0 }, defaultPool: "p" }],
      pools: singlePoolConfig([backend]).pools,
    }).listeners[0]!;
    const listener = new TcpListener(lc);
    await listener.listen();
    cleanup.add(() => listener.close(0));

    const socket = connect(listener.address().port, "127.0.0.1");
    cleanup.add(async () => socket.destroy());
    let received = "";
    let closed = false;
    socket.on("data", (chunk) => (received += chunk.toString("latin1")));
    socket.on("close", () => (closed = true));
    socket.write("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    await eventually(() => listener.connections.accepted === 1);

    const internals = engine as unknown as StateBuilders;
    listener.activate(internals.tcpState(lc, internals.pools));
    // The backend answers and, asked to, closes: the whole exchange went through the splice.
    await eventually(() => closed);
    expect(received.startsWith("HTTP/1.1 200 OK")).toBe(true);
  });
});

export type { Engine };
