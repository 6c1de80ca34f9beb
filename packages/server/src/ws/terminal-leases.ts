// Which WebSocket connection holds the terminals it spawned, and what happens to them when the
// connection drops. A dropped client often comes back (network blip, laptop sleep), so instead of
// killing its terminals at once (serveChannel's default) they become orphans for a grace period:
// a connection that touches an orphan successfully (subscribe, execute, read…) adopts it, and an
// orphan nobody adopts is killed when the period ends, so a client that never returns leaves no
// processes behind. A connection that ends cleanly (`$/shutdown`, an HTTP session's DELETE) says
// it will not be back, so its terminals are killed at once instead. Traffic is observed from the channel:
// requests in, responses out.
import type { JsonRpcMessage } from '@orchflow/protocol';

/** What a channel reports to its connection's leases. */
export interface TrafficObserver {
  /** A parsed frame from the client. */
  received(message: unknown): void;
  /** A message about to go to the client. */
  sent(message: JsonRpcMessage): void;
}

/** What kills a terminal: an Orchestrator, or a server's ChannelServer. */
export interface TerminalKiller {
  kill(terminalId: string): Promise<unknown>;
}

/** Terminals held by the connections of one server, and the orphans of dropped ones. */
export class TerminalLeases {
  private readonly orphans = new Map<string, ReturnType<typeof setTimeout> | undefined>();

  constructor(
    private readonly orch: TerminalKiller,
    /** How long an orphan waits for adoption; 0 kills at once, Infinity never. */
    private readonly graceMs: number,
  ) {}

  /** The leases of one new connection. */
  connection(): ConnectionLeases {
    return new ConnectionLeases(this);
  }

  /** True when a dropped connection's terminals wait for it (a grace period above 0). */
  get keepsDropped(): boolean {
    return this.graceMs > 0;
  }

  /** Number of terminals waiting for a reconnecting client. */
  get orphanCount(): number {
    return this.orphans.size;
  }

  /** Kills every orphan now (the server is stopping). */
  async killOrphans(): Promise<void> {
    const ids = [...this.orphans.keys()];
    for (const id of ids) this.disown(id);
    await Promise.all(ids.map((id) => this.kill(id)));
  }

  /** Adopts `terminalId` if it is an orphan; true when it was. */
  adopt(terminalId: string): boolean {
    if (!this.orphans.has(terminalId)) return false;
    this.disown(terminalId);
    return true;
  }

  /** Starts the grace period of terminals whose connection closed. */
  orphan(terminalIds: Iterable<string>): void {
    for (const id of terminalIds) {
      if (this.graceMs <= 0) {
        void this.kill(id);
        continue;
      }
      const timer = Number.isFinite(this.graceMs)
        ? setTimeout(() => {
            this.orphans.delete(id);
            void this.kill(id);
          }, this.graceMs)
        : undefined;
      timer?.unref();
      this.orphans.set(id, timer);
    }
  }

  /** Kills `terminalIds` now (their connection ended cleanly); resolves with how many, once they are gone. */
  async killNow(terminalIds: Iterable<string>): Promise<number> {
    const ids = [...terminalIds];
    await Promise.all(ids.map((id) => this.kill(id)));
    return ids.length;
  }

  private disown(terminalId: string): void {
    clearTimeout(this.orphans.get(terminalId));
    this.orphans.delete(terminalId);
  }

  private async kill(terminalId: string): Promise<void> {
    // Already exited or removed: nothing is left to free.
    await this.orch.kill(terminalId).catch(() => undefined);
  }
}

/** The terminals one connection holds, learned from its traffic. */
export class ConnectionLeases implements TrafficObserver {
  private readonly held = new Set<string>();
  private readonly spawns = new Set<unknown>();
  private readonly touches = new Map<unknown, { terminalId: string; kill: boolean }>();

  constructor(private readonly leases: TerminalLeases) {}

  /** True when this connection's terminals survive a drop, so a client can come back to them. */
  get keepsDropped(): boolean {
    return this.leases.keepsDropped;
  }

  /** Terminals this connection holds. */
  get size(): number {
    return this.held.size;
  }

  received(message: unknown): void {
    for (const item of Array.isArray(message) ? message : [message]) {
      if (typeof item !== 'object' || item === null) continue;
      const { id, method, params } = item as { id?: unknown; method?: unknown; params?: unknown };
      if (id === undefined || typeof method !== 'string') continue;
      if (method === 'terminal.spawn') this.spawns.add(id);
      const terminalId = (params as { terminalId?: unknown } | undefined)?.terminalId;
      if (typeof terminalId === 'string') {
        this.touches.set(id, { terminalId, kill: method === 'terminal.kill' });
      }
    }
  }

  sent(message: JsonRpcMessage): void {
    for (const item of Array.isArray(message) ? message : [message]) {
      if (!('id' in item) || 'method' in item) continue;
      const ok = 'result' in item;
      if (this.spawns.delete(item.id) && ok) {
        const terminalId = (item.result as { id?: unknown } | undefined)?.id;
        if (typeof terminalId === 'string') this.held.add(terminalId);
      }
      const touch = this.touches.get(item.id);
      if (!touch) continue;
      this.touches.delete(item.id);
      if (!ok) continue;
      if (touch.kill) this.held.delete(touch.terminalId);
      else if (this.leases.adopt(touch.terminalId)) this.held.add(touch.terminalId);
    }
  }

  /** The connection dropped: its terminals become orphans for the grace period. */
  release(): void {
    this.leases.orphan(this.take());
  }

  /** The connection ended cleanly: its terminals are killed at once; resolves with how many, once gone. */
  releaseNow(): Promise<number> {
    return this.leases.killNow(this.take());
  }

  private take(): string[] {
    const held = [...this.held];
    this.held.clear();
    this.spawns.clear();
    this.touches.clear();
    return held;
  }
}
