import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/**
 * The control plane's single HTTP entry: API paths go to their handlers, everything else to
 * Next.js. A handler that throws answers 500 with a JSON body, never a stack trace.
 */
export function createRequestListener(routes: {
  health: Handler;
  trpc: Handler;
  rest: Handler;
  next: Handler;
  onError: (error: unknown) => void;
}): RequestListener {
  return (req, res) => {
    const path = (req.url ?? "/").split("?", 1)[0] ?? "/";
    const handler =
      path === "/api/health"
        ? routes.health
        : path.startsWith("/api/trpc/")
          ? routes.trpc
          : path === "/api/v1" || path.startsWith("/api/v1/")
            ? routes.rest
            : routes.next;
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((error: unknown) => {
        routes.onError(error);
        if (!res.headersSent) {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ code: "WEIR_E_INTERNAL", message: "Internal error; see the control-plane log." }));
        } else {
          res.destroy();
        }
      });
  };
}
