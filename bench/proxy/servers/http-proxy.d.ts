// Minimal types for http-proxy 1.x (no @types package installed): what the bench uses.
declare module "http-proxy" {
  import type { Agent, IncomingMessage, ServerResponse } from "node:http";
  import type { Socket } from "node:net";

  interface ProxyServer {
    web(req: IncomingMessage, res: ServerResponse): void;
    on(event: "error", listener: (err: Error, req: IncomingMessage, res: ServerResponse | Socket) => void): this;
  }
  const httpProxy: { createProxyServer(options: { target: string; agent?: Agent }): ProxyServer };
  export default httpProxy;
}
