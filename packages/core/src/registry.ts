// The terminal registry: records keyed by terminal id with their owning agent, live-terminal
// quotas (counting spawns still in flight), and the retention of terminals that exited on their
// own — listed as `exited` until killed, until `exitedRetentionMs` passes, or until more than
// `maxRetainedExited` exited terminals are kept (oldest removed first).

import type { MuxSession } from '@orchflow/mux';
import type { Disposer, TerminalInfo, TerminalState } from '@orchflow/protocol';
import type { IsolationLevel } from '@orchflow/security';
import type { OutputStreamStats } from '@orchflow/terminal';
import { type QuotaName, quotaExceeded, terminalNotFound } from './errors';
import { retireHandle, type TerminalHandle } from './handle';

/** One registered terminal. */
export interface TerminalRecord {
  readonly id: string;
  readonly agentId: string;
  readonly session: MuxSession;
  readonly backend: string;
  /** When it was created (ms since the epoch: a number takes a tenth of a Date's heap). */
  readonly createdAt: number;
  /** The isolation level it was spawned with; unknown for sessions adopted from an earlier process. */
  readonly isolation?: IsolationLevel;
  /** The shell's process group (see foreground.ts); undefined when it cannot be told. */
  readonly shellGroup?: number;
  /** Listeners to drop when the terminal leaves the registry. */
  readonly disposers: Disposer[];
  /** True once its output reaches the bus as `terminal.output` events (see lifecycle.ts). */
  tapsOutput?: boolean;
  /** True once its command history reaches the bus as `terminal.command` events. */
  tapsCommands?: boolean;
  removalTimer?: ReturnType<typeof setTimeout>;
  /** What `spawnTerminal` and `getTerminal` return for it, made on the first ask. */
  handle?: TerminalHandle;
}

/** Filter of `listTerminals`. */
export interface TerminalFilter {
  agentId?: string;
  state?: TerminalState;
}

/** Limits the registry enforces. */
export interface RegistryLimits {
  maxTerminals: number;
  maxTerminalsPerAgent: number;
  exitedRetentionMs: number;
  maxRetainedExited: number;
}

/** Registered terminals and the quotas over them. */
export class TerminalRegistry {
  private readonly records = new Map<string, TerminalRecord>();
  private readonly exitedOrder: string[] = [];
  private pendingTotal = 0;
  private readonly pendingByAgent = new Map<string, number>();
  // Counts of terminals that left the registry, so the totals of `streamTotals()` never go down.
  private readonly retired = { bytes: 0, gaps: 0, flowControlPauses: 0 };

  /** An empty registry enforcing `limits`. */
  constructor(private readonly limits: RegistryLimits) {}

  /**
   * Reserves a live-terminal slot for `agentId` or throws QuotaExceeded; call the result to
   * release it. `perAgentCap` lowers the per-agent limit for this spawn (a caller's own policy).
   */
  reserve(agentId: string, perAgentCap?: number): () => void {
    const total = this.liveCount() + this.pendingTotal;
    this.check('maxTerminals', this.limits.maxTerminals, total, agentId);
    const mine = this.liveCount(agentId) + (this.pendingByAgent.get(agentId) ?? 0);
    const perAgent = Math.min(this.limits.maxTerminalsPerAgent, perAgentCap ?? Number.POSITIVE_INFINITY);
    this.check('maxTerminalsPerAgent', perAgent, mine, agentId);
    this.pendingTotal++;
    this.pendingByAgent.set(agentId, (this.pendingByAgent.get(agentId) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.pendingTotal--;
      const left = (this.pendingByAgent.get(agentId) ?? 1) - 1;
      if (left > 0) this.pendingByAgent.set(agentId, left);
      else this.pendingByAgent.delete(agentId);
    };
  }

  /** Registers a spawned terminal. */
  add(record: TerminalRecord): void {
    this.records.set(record.id, record);
  }

  /** The record with this id; throws TerminalNotFound. */
  get(id: string): TerminalRecord {
    const record = this.records.get(id);
    if (!record) throw terminalNotFound(id);
    return record;
  }

  /** True while `record` is registered. */
  has(record: TerminalRecord): boolean {
    return this.records.get(record.id) === record;
  }

  /** Records matching `filter`, oldest first. */
  list(filter: TerminalFilter = {}): TerminalRecord[] {
    return [...this.records.values()].filter(
      (r) =>
        (filter.agentId === undefined || r.agentId === filter.agentId) &&
        (filter.state === undefined || r.session.state === filter.state),
    );
  }

  /** Live (not exited) terminals, of one agent or of all. */
  liveCount(agentId?: string): number {
    let n = 0;
    // forEach rather than an iterator: this runs over every terminal at each spawn.
    this.records.forEach((r) => {
      if (r.session.exitInfo === undefined && (agentId === undefined || r.agentId === agentId)) n++;
    });
    return n;
  }

  /** Starts the retention of a terminal that exited; drops the oldest exited ones over the cap. */
  retainExited(record: TerminalRecord): void {
    if (!this.has(record)) return;
    record.removalTimer = setTimeout(() => this.remove(record.id), this.limits.exitedRetentionMs);
    record.removalTimer.unref?.();
    this.exitedOrder.push(record.id);
    while (this.exitedOrder.length > this.limits.maxRetainedExited) {
      const oldest = this.exitedOrder.shift();
      if (oldest !== undefined) this.remove(oldest);
    }
  }

  /** Removes a terminal from the registry and drops its listeners; no-op for unknown ids. */
  remove(id: string): void {
    const record = this.records.get(id);
    if (!record) return;
    this.records.delete(id);
    if (record.handle) retireHandle(record.handle, TerminalRegistry.info(record));
    const stats = record.session.streamStats?.();
    if (stats) {
      this.retired.bytes += stats.bytes;
      this.retired.gaps += stats.gaps;
      this.retired.flowControlPauses += stats.flowControlPauses;
    }
    clearTimeout(record.removalTimer);
    const at = this.exitedOrder.indexOf(id);
    if (at >= 0) this.exitedOrder.splice(at, 1);
    for (const d of record.disposers.splice(0)) d.dispose();
  }

  /**
   * Output bytes, gaps and flow-control pauses of every terminal ever registered (monotonic
   * totals), and the subscribers of the registered ones now. Read on demand: nothing is counted
   * per output chunk.
   */
  streamTotals(): OutputStreamStats {
    const totals = { ...this.retired, subscribers: 0 };
    for (const { session } of this.records.values()) {
      const stats = session.streamStats?.();
      if (!stats) continue;
      totals.bytes += stats.bytes;
      totals.gaps += stats.gaps;
      totals.flowControlPauses += stats.flowControlPauses;
      totals.subscribers += stats.subscribers;
    }
    return totals;
  }

  /** What a caller sees of a record. */
  static info(record: TerminalRecord): TerminalInfo {
    const { session } = record;
    const info: TerminalInfo = {
      id: record.id,
      agentId: record.agentId,
      pid: session.pid,
      mode: session.mode,
      backend: record.backend,
      state: session.state,
      cols: session.cols,
      rows: session.rows,
      createdAt: new Date(record.createdAt).toISOString(),
      shell: session.shell,
      cwd: session.cwd,
      // A session type from before `canPause` existed can be paused.
      pausable: session.canPause !== false,
    };
    if (session.name !== undefined) info.name = session.name;
    if (session.exitInfo) info.exitCode = session.exitInfo.exitCode;
    return info;
  }

  private check(limit: QuotaName, max: number, current: number, agentId: string): void {
    if (current >= max) throw quotaExceeded(limit, max, current, agentId);
  }
}
