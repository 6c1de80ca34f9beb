// The state of one served connection: whether `initialize` happened, the principal's scope, the
// terminals spawned and transactions begun through it, its subscriptions, and the cleanup when it
// closes. Handlers reach terminals only through `readableTerminal` (to look) or
// `controllableTerminal` (to act), which enforce the scope.
import { randomUUID } from 'node:crypto';
import { ErrorCode, OrchflowError, type TerminalInfo } from '@orchflow/protocol';
import { terminalNotFound } from '../errors';
import type { Orchestrator } from '../orchestrator';
import { type PrincipalScope, readOnly } from './principal-scope';
import type { SubscriptionRegistry } from './subscriptions';

/** One connection's state. */
export class Connection {
  /** Terminals spawned through this connection and not killed through it. */
  readonly spawned = new Set<string>();
  /** Transactions begun through this connection and not yet committed or rolled back. */
  readonly transactions = new Set<string>();
  /** Commands this connection ran (what an agent principal's metrics report). */
  commandsExecuted = 0;
  /** Who this connection is as a floor holder (see floor-handlers.ts); passed with its commands and input. */
  readonly floorKey = `connection-${randomUUID()}`;
  /** The client's `clientInfo.name` from `initialize` (names a floor holder whose principal has none). */
  clientName: string | undefined;
  private currentScope: PrincipalScope | undefined;
  private isClosed = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly orch: Orchestrator,
    /** This connection's output subscriptions. */
    readonly subscriptions: SubscriptionRegistry,
  ) {}

  /** True once the channel closed. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** The scope set by `initialize`; throws NotInitialized before it. */
  scope(method: string): PrincipalScope {
    if (this.currentScope) return this.currentScope;
    throw new OrchflowError(
      ErrorCode.NotInitialized,
      `'${method}' was sent before 'initialize'; send 'initialize' first on every connection`,
      { method },
    );
  }

  /** True once `initialize` succeeded. */
  get initialized(): boolean {
    return this.currentScope !== undefined;
  }

  /** Records the principal's scope; `initialize` calls this once. */
  initialize(scope: PrincipalScope): void {
    this.currentScope = scope;
  }

  /** The info of a terminal the principal may read; anything else is TerminalNotFound. */
  readableTerminal(method: string, terminalId: string): TerminalInfo {
    const scope = this.scope(method);
    const info = this.orch.terminalInfo(terminalId);
    if (!scope.canRead(info)) throw terminalNotFound(terminalId);
    return info;
  }

  /**
   * The info of a terminal the principal may control. A read-only principal gets Forbidden (it
   * sees every terminal, so nothing leaks); a terminal an agent may not see is TerminalNotFound.
   */
  controllableTerminal(method: string, terminalId: string): TerminalInfo {
    const scope = this.scope(method);
    if (scope.isReadOnly) throw readOnly(method, scope.principal);
    const info = this.orch.terminalInfo(terminalId);
    if (!scope.canControl(info)) throw terminalNotFound(terminalId);
    return info;
  }

  /** Throws InvalidState unless this connection began `txId` and has not finished it. */
  ownTransaction(txId: string): void {
    if (this.transactions.has(txId)) return;
    throw new OrchflowError(
      ErrorCode.InvalidState,
      `Transaction '${txId}' is not open on this connection: it was never begun here, was already committed or rolled back, or expired`,
      { txId },
    );
  }

  /**
   * Disposes subscriptions, rolls back open transactions and, if asked, kills the spawned
   * terminals. Every call returns the same promise, so whoever awaits it — the peer's close hook
   * or `ServedChannel.closed` — resumes only once the terminals are really gone.
   */
  close(killTerminals: boolean): Promise<void> {
    this.closing ??= this.shutDown(killTerminals);
    return this.closing;
  }

  /** Kills the terminals spawned through this connection (its clean end); resolves with how many. */
  async killSpawned(): Promise<number> {
    const ids = [...this.spawned];
    this.spawned.clear();
    await Promise.all(ids.map((id) => this.orch.kill(id).catch(() => undefined)));
    return ids.length;
  }

  private async shutDown(killTerminals: boolean): Promise<void> {
    this.isClosed = true;
    this.subscriptions.closeAll();
    for (const txId of this.transactions) {
      try {
        this.orch.rollbackTransaction(txId);
      } catch {
        // Expired or the orchestrator shut down: nothing is left to roll back.
      }
    }
    this.transactions.clear();
    if (killTerminals) await this.killSpawned();
  }
}
