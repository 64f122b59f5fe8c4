import type { StickyKey } from "@weir/config";
import type { Db } from "@weir/db";
import { loadStickyKeys } from "../domain/sticky-keys/sticky-keys";
import { poolsIn, type StoredSnapshot, selectConfigFor } from "./select-config";
import type { AgentSocket, AgentsNamespace, HubLogger } from "./types";

export interface LatestVersion {
  number: number;
  snapshot: StoredSnapshot;
}

/**
 * Keeps the latest config version and pushes it to this replica's agents. A NOTIFY (or a poll)
 * only says "something newer exists"; `refresh` then reads the newest version, so a burst of
 * changes costs one read and one push per agent, whatever its length: while a refresh runs,
 * further notifications only mark it to run once more.
 *
 * Each push carries the fleet's sticky-session keys (never stored in a config version, so no
 * history or diff shows them); when they change (a rotation, read on its NOTIFY or the safety
 * poll), every agent gets the latest version again with the new keys.
 */
export class ConfigDistributor {
  private latest: LatestVersion | undefined;
  private stickyKeys: StickyKey[] = [];
  private running: Promise<void> | undefined;
  private again = false;
  private readonly listeners: Array<(latest: LatestVersion) => void> = [];

  constructor(
    private readonly db: Db,
    private readonly agents: AgentsNamespace,
    private readonly logger: HubLogger,
  ) {}

  current(): LatestVersion | undefined {
    return this.latest;
  }

  /** Called with each newer version once it is loaded (before agents ack it). */
  onNewVersion(listener: (latest: LatestVersion) => void): void {
    this.listeners.push(listener);
  }

  /** A version number was announced; reads and pushes only when it is newer than ours. */
  announce(number: number): void {
    if (this.latest !== undefined && number <= this.latest.number) return;
    void this.refresh();
  }

  refresh(): Promise<void> {
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.loadAndPush();
        } catch (error) {
          this.logger.warn(`could not read the latest config version: ${(error as Error).message}`);
        }
      } while (this.again);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async loadAndPush(): Promise<void> {
    const keys = await loadStickyKeys({ db: this.db });
    const keysChanged = keys.map((k) => k.id).join() !== this.stickyKeys.map((k) => k.id).join();
    this.stickyKeys = keys;
    if (keysChanged && this.latest !== undefined)
      for (const socket of this.agents.sockets.values()) this.pushTo(socket as AgentSocket, { force: true });
    // Only a newer version is read: the safety poll mostly finds none, and the snapshot is large.
    const row = await this.db.configVersion.findFirst({
      where: this.latest === undefined ? {} : { number: { gt: this.latest.number } },
      orderBy: { number: "desc" },
      select: { number: true, snapshot: true },
    });
    if (row === null || (this.latest !== undefined && row.number <= this.latest.number)) return;
    this.latest = { number: row.number, snapshot: row.snapshot as unknown as StoredSnapshot };
    for (const listener of this.listeners) listener(this.latest);
    for (const socket of this.agents.sockets.values()) this.pushTo(socket as AgentSocket);
  }

  /**
   * Sends the latest version to one agent, selected by its labels; nothing when it runs it already,
   * unless `force` (the sticky keys changed).
   */
  pushTo(socket: AgentSocket, { force = false }: { force?: boolean } = {}): void {
    const latest = this.latest;
    if (latest === undefined) return;
    const data = socket.data;
    if (!force && (data.applied === latest.number || data.pushed === latest.number)) return;
    const config = selectConfigFor(latest.snapshot, data.labels);
    data.pushed = latest.number;
    data.pools = poolsIn(config);
    socket.emit("config", { version: latest.number, config: { ...config, stickyKeys: this.stickyKeys } });
  }
}
