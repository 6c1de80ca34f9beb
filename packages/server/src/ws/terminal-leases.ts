// Which WebSocket connection holds the terminals it spawned, and what happens to them when the
// connection drops. A dropped client often comes back (network blip, laptop sleep), so instead of
// killing its terminals at once (serveChannel's default) they become orphans for a grace period:
// a connection of the same principal (token) that touches an orphan successfully (subscribe,
// execute, read…) adopts it, and an orphan nobody adopts is killed when the period ends, so a
// client that never returns leaves no processes behind. Only its own principal may adopt it:
// another token that may read the terminal (a viewer) must not take it over, and with it the
// right to kill it by ending its own connection cleanly. A connection that ends cleanly (`$/shutdown`, an HTTP session's DELETE) says
// it will not be back, so its terminals are killed at once instead. Traffic is observed from the channel:
// requests in, responses out.
import type { JsonRpcMessage, Principal, RequestId } from '@orchflow/protocol';

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
  private readonly orphans = new Map<
    string,
    { timer: ReturnType<typeof setTimeout> | undefined; owner: Principal | undefined }
  >();

  constructor(
    private readonly orch: TerminalKiller,
    /** How long an orphan waits for adoption; 0 kills at once, Infinity never. */
    private readonly graceMs: number,
  ) {}

  /**
   * The leases of one new connection, by `owner` (the principal it authenticated as; a WebSocket
   * connection learns it later, {@link ConnectionLeases.bind}).
   */
  connection(owner?: Principal): ConnectionLeases {
    return new ConnectionLeases(this, owner);
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

  /** Adopts `terminalId` if it is an orphan of `by` (the same principal); true when it was. */
  adopt(terminalId: string, by: Principal | undefined): boolean {
    const orphan = this.orphans.get(terminalId);
    if (!orphan || by === undefined || !samePrincipal(orphan.owner, by)) return false;
    this.disown(terminalId);
    return true;
  }

  /** Starts the grace period of terminals whose connection (of `owner`) closed. */
  orphan(terminalIds: Iterable<string>, owner: Principal | undefined): void {
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
      this.orphans.set(id, { timer, owner });
    }
  }

  /** Kills `terminalIds` now (their connection ended cleanly); resolves with how many, once they are gone. */
  async killNow(terminalIds: Iterable<string>): Promise<number> {
    const ids = [...terminalIds];
    await Promise.all(ids.map((id) => this.kill(id)));
    return ids.length;
  }

  private disown(terminalId: string): void {
    clearTimeout(this.orphans.get(terminalId)?.timer);
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
  private readonly spawns = new Set<RequestId>();
  private readonly touches = new Map<RequestId, { terminalId: string; kill: boolean }>();

  constructor(
    private readonly leases: TerminalLeases,
    private owner: Principal | undefined,
  ) {}

  /** The principal the connection authenticated as (before it, it adopts nothing). */
  bind(owner: Principal): void {
    this.owner = owner;
  }

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
      // Only ids a response can carry back (as JSON-RPC ids are read): another is answered with
      // `id: null`, and keeping it would keep it (and whatever it holds) for the connection's life.
      if (!isRequestId(id) || typeof method !== 'string') continue;
      if (method === 'terminal.spawn') this.spawns.add(id);
      const terminalId = (params as { terminalId?: unknown } | undefined)?.terminalId;
      if (typeof terminalId === 'string') {
        this.touches.set(id, { terminalId, kill: method === 'terminal.kill' });
      }
    }
  }

  sent(message: JsonRpcMessage): void {
    for (const item of Array.isArray(message) ? message : [message]) {
      if (!('id' in item) || 'method' in item || item.id === null) continue;
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
      else if (this.leases.adopt(touch.terminalId, this.owner)) this.held.add(touch.terminalId);
    }
  }

  /** The connection dropped: its terminals become orphans for the grace period. */
  release(): void {
    this.leases.orphan(this.take(), this.owner);
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

function isRequestId(id: unknown): id is RequestId {
  return typeof id === 'string' || Number.isSafeInteger(id);
}

/**
 * The same principal: the same object (a token's), or an equal one (an `authenticate` hook that
 * builds it afresh on each connection). Equal principals have the same scope, so adopting gives the
 * other nothing it could not do to the terminal already.
 */
function samePrincipal(a: Principal | undefined, b: Principal): boolean {
  return a === b || (a !== undefined && JSON.stringify(a) === JSON.stringify(b));
}
