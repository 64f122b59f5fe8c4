import pg from "pg";

export interface LeaderElectionOptions {
  url: string;
  /** Advisory lock key: one per kind of leadership (rollouts, scaling, housekeeping...). */
  key: number;
  onElected: () => void;
  onDemoted: () => void;
  onError?: (error: Error) => void;
  /** How often a follower tries to take the lock, and the leader checks it still holds it. */
  intervalMs?: number;
}

export interface LeaderElection {
  isLeader(): boolean;
  close(): Promise<void>;
}

/**
 * One leader among control-plane replicas: whoever holds a session-level Postgres advisory lock
 * on a dedicated connection. The lock dies with the connection, so a crashed leader's replica
 * loses it as soon as Postgres notices, and a follower takes it on its next try. A leader whose
 * connection fails steps down at once (onDemoted) rather than risk two leaders.
 */
export function electLeader(options: LeaderElectionOptions): LeaderElection {
  const intervalMs = options.intervalMs ?? 2_000;
  let client: pg.Client | undefined;
  let leader = false;
  let closed = false;
  let busy = false;

  const demote = () => {
    if (!leader) return;
    leader = false;
    options.onDemoted();
  };

  const drop = (c: pg.Client) => {
    if (client !== c) return;
    client = undefined;
    demote();
    void c.end().catch(() => {});
  };

  const step = async () => {
    if (closed || busy) return;
    busy = true;
    try {
      if (client === undefined) {
        const c = new pg.Client({ connectionString: options.url });
        c.on("error", (error) => {
          options.onError?.(error);
          drop(c);
        });
        c.on("end", () => drop(c));
        await c.connect();
        client = c;
      }
      const c = client;
      if (!leader) {
        const { rows } = await c.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [options.key]);
        if (rows[0]?.locked && !closed) {
          leader = true;
          options.onElected();
        }
      } else {
        await c.query("SELECT 1");
      }
    } catch (error) {
      options.onError?.(error as Error);
      if (client !== undefined) drop(client);
    } finally {
      busy = false;
    }
  };

  void step();
  const timer = setInterval(() => void step(), intervalMs);
  timer.unref();
  return {
    isLeader: () => leader,
    async close() {
      closed = true;
      clearInterval(timer);
      const c = client;
      client = undefined;
      demote();
      await c?.end().catch(() => {});
    },
  };
}
