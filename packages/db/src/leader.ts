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

/** The election's options (its callbacks optional here), and the loop's own. */
export interface LeaderLoopOptions extends Omit<LeaderElectionOptions, "onElected" | "onDemoted"> {
  /** Pause between the end of one run and the start of the next. */
  everyMs: number;
  /** The leader's work; a run that throws is reported to onError and the loop goes on. */
  work: (signal: AbortSignal) => Promise<void>;
  /** Run once as soon as elected (else the first run waits `everyMs`). */
  runOnElection?: boolean;
  onElected?: () => void;
  /** Not called when the loop itself is closing. */
  onDemoted?: () => void;
}

export interface LeaderLoop {
  isLeader(): boolean;
  /** Stops the loop, waits for a run in progress, and gives the lock up. */
  close(): Promise<void>;
}

/**
 * A periodic job that runs on one control-plane replica at a time: `work` runs every `everyMs`
 * (measured from the end of a run, so runs never overlap) while this replica holds the lock, and
 * stops at once when it loses it, with `signal` aborted for work still in flight. What the
 * rollout and scaling controllers and the metrics housekeeping share.
 */
export function runWhileLeader(options: LeaderLoopOptions): LeaderLoop {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let abort = new AbortController();
  let closing = false;

  const schedule = (delay: number) => {
    timer = setTimeout(() => {
      timer = undefined;
      running = options
        .work(abort.signal)
        .catch((error: Error) => options.onError?.(error))
        .finally(() => {
          running = undefined;
          if (election.isLeader() && !closing) schedule(options.everyMs);
        });
    }, delay);
    timer.unref();
  };

  const election = electLeader({
    url: options.url,
    key: options.key,
    ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
    onElected: () => {
      abort = new AbortController();
      options.onElected?.();
      schedule(options.runOnElection ? 0 : options.everyMs);
    },
    onDemoted: () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      abort.abort();
      if (!closing) options.onDemoted?.();
    },
  });

  return {
    isLeader: () => election.isLeader(),
    async close() {
      closing = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await running;
      abort.abort();
      await election.close();
    },
  };
}
