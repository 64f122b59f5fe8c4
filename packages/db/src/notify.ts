import pg from "pg";

export interface NotificationListenerOptions {
  url: string;
  channels: readonly string[];
  onNotification: (channel: string, payload: string) => void;
  /**
   * Called once listening, and again after every reconnect: notifications sent while the
   * connection was down are lost, so the caller re-reads whatever it follows.
   */
  onListening?: () => void;
  onError?: (error: Error) => void;
  /** Reconnect back-off bounds in ms (exponential, with jitter). */
  retryMinMs?: number;
  retryMaxMs?: number;
}

export interface NotificationListener {
  /** True while the LISTEN connection is up. */
  listening(): boolean;
  close(): Promise<void>;
}

/**
 * Postgres LISTEN on a dedicated connection (a pooled one would lose its LISTEN when returned).
 * How control-plane replicas hear about each other's changes: a config change NOTIFYs in its
 * transaction, and every replica's hub gets it at commit. Reconnects by itself.
 */
export function listenForNotifications(options: NotificationListenerOptions): NotificationListener {
  const minMs = options.retryMinMs ?? 250;
  const maxMs = options.retryMaxMs ?? 10_000;
  let client: pg.Client | undefined;
  let up = false;
  let closed = false;
  let attempts = 0;
  let timer: NodeJS.Timeout | undefined;

  const connect = async () => {
    if (closed) return;
    const c = new pg.Client({ connectionString: options.url });
    client = c;
    c.on("notification", (message) => options.onNotification(message.channel, message.payload ?? ""));
    c.on("error", (error) => {
      options.onError?.(error);
      retry(c);
    });
    c.on("end", () => retry(c));
    try {
      await c.connect();
      for (const channel of options.channels) await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      if (closed) {
        await c.end().catch(() => {});
        return;
      }
      up = true;
      attempts = 0;
      options.onListening?.();
    } catch (error) {
      options.onError?.(error as Error);
      retry(c);
    }
  };

  const retry = (c: pg.Client) => {
    if (client !== c) return;
    up = false;
    client = undefined;
    void c.end().catch(() => {});
    if (closed || timer !== undefined) return;
    const delay = Math.min(maxMs, minMs * 2 ** attempts++) * (0.5 + Math.random() / 2);
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, delay);
    timer.unref();
  };

  void connect();
  return {
    listening: () => up,
    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      const c = client;
      client = undefined;
      up = false;
      await c?.end().catch(() => {});
    },
  };
}
