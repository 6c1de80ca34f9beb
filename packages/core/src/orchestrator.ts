// `Orchestrator`: terminals per agent on a MuxBackend, with quotas, admitted command execution
// (single, batched, transactional), typed events, flow-controlled output streams, emergency
// controls, metrics and a shutdown that leaves no process behind. Behaviour lives in the modules
// it composes (built and started by orchestrator-parts.ts); this file holds them, guards the
// public surface and stops them.
import type { MuxBackend } from '@orchflow/mux';
import {
  type BatchItemResult,
  type BulkControlParams,
  type CommandRecord,
  type Disposer,
  type ExecResult,
  type ExecuteCommand,
  type ExecutionMode,
  type ExitInfo,
  type FloorState,
  HistoryParamsSchema,
  type IpcChannel,
  type MetricsParams,
  type MetricsResult,
  OrchflowError,
  type Principal,
  type ReadResult,
  type Snapshot,
  type TerminalActivity,
  type TerminalConfig,
  type TerminalInfo,
  type TxCommitResult,
  type TxRollbackResult,
} from '@orchflow/protocol';
import type { AuditRecord, SecurityPolicy } from '@orchflow/security';
import type { OutputStreamStats, StreamEvent, SubscribeOptions, Subscription } from '@orchflow/terminal';
import type { BatchExecuteOptions, BatchOptions } from './batch';
import { checkedBatch, runBatchCommands } from './batch-calls';
import { OrchestratorBuilder } from './builder';
import { killEach, killTerminals, pauseTerminals, resumeTerminals } from './bulk-controls';
import {
  checkExecuteOptions,
  checkListFilter,
  checkOptionKeys,
  checkTerminalConfigKeys,
} from './call-checks';
import type { CallContext, CommandRunner } from './commands';
import { connect } from './connect';
import { ConnectionPolicy } from './connection-policy';
import { invalidParams, orchestratorShutDown, terminalExited } from './errors';
import { registerEventBus } from './event-access';
import type { EventBus, EventListener } from './event-bus';
import type { EventStream, SubscribeEventsOptions } from './event-stream';
import type { OrchestratorEventName, OrchestratorExecOptions } from './events';
import { checkedClaim, type FloorClaim, type FloorControl } from './floor';
import { TerminalHandle } from './handle';
import type { TerminalLifecycle } from './lifecycle';
import { collectMetrics } from './metrics';
import type { OrchestratorOptions } from './options';
import { buildParts, startParts } from './orchestrator-parts';
import { outputIterable, type StreamOutputOptions } from './output-stream';
import { type TerminalFilter, type TerminalRecord, TerminalRegistry } from './registry';
import type { SecurityGate } from './security';
import { type ChannelServing, serveChannels } from './serve';
import type { TerminalInput } from './terminal-input';
import { Transaction } from './transaction';
import type { TransactionManager } from './transactions';

/** Runs terminals for agents and the commands they send. */
export class Orchestrator {
  /** The backend running the terminals. */
  readonly backend: MuxBackend;
  /** Mode of terminals whose config names none. */
  readonly executionMode: ExecutionMode;
  /** The enforced security policy (validated, defaults applied), if one was given. */
  readonly securityPolicy: SecurityPolicy | undefined;
  private readonly registry: TerminalRegistry;
  private readonly events: EventBus;
  private readonly security: SecurityGate;
  private readonly floors: FloorControl;
  private readonly commands: CommandRunner;
  private readonly input: TerminalInput;
  private readonly transactions: TransactionManager;
  private readonly lifecycle: TerminalLifecycle;
  private readonly startedAt = performance.now();
  private readonly initialized: Promise<void>;
  private readonly serving: ChannelServing;
  private stopping: Promise<void> | undefined;

  /** A builder for the fluent setup: `Orchestrator.builder().withMaxTerminals(10).build()`. */
  static builder(): OrchestratorBuilder {
    return new OrchestratorBuilder();
  }

  /** An orchestrator with `options`; plugins' `onInit` starts now (commands wait for it). */
  constructor(options: OrchestratorOptions = {}) {
    const parts = buildParts(options, { ready: () => this.initialized, stopping: () => this.isShutDown });
    this.backend = parts.backend;
    this.executionMode = parts.executionMode;
    this.securityPolicy = parts.securityPolicy;
    this.registry = parts.registry;
    this.events = parts.events;
    this.security = parts.security;
    this.floors = parts.floors;
    this.commands = parts.commands;
    this.input = parts.input;
    this.transactions = parts.transactions;
    this.lifecycle = parts.lifecycle;
    registerEventBus(this, this.events);
    // Plugins' onInit may call this orchestrator at once: every part is in place by now.
    this.initialized = startParts(this, parts);
    this.serving = serveChannels(this, options.channels ?? []);
  }

  /**
   * Resolves once every plugin's `onInit` has run (a failed plugin then denies every command) and
   * the sessions the backend already runs (a re-adopting TmuxBackend) are registered.
   */
  ready(): Promise<void> {
    return this.initialized;
  }

  /** True once `shutdown()` was called. */
  get isShutDown(): boolean {
    return this.stopping !== undefined;
  }

  /**
   * Spawns a terminal owned by `agentId`; rejects with QuotaExceeded, InvalidParams, PolicyDenied
   * or SpawnFailed. When `context.principal` carries a ConnectionPolicy, the spawn must pass its
   * spawn guard and quota too, and the terminal gets the stricter of both policies' isolation.
   */
  async spawnTerminal(
    agentId: string,
    config: TerminalConfig = {},
    context: CallContext = {},
  ): Promise<TerminalHandle> {
    this.assertOpen();
    await this.initialized;
    try {
      checkTerminalConfigKeys(config);
      return this.handleOf(
        await this.lifecycle.spawn(agentId, config, ConnectionPolicy.of(context.principal)),
      );
    } catch (error) {
      if (this.events.wants('terminal.spawn.error')) {
        this.events.emit('terminal.spawn.error', { agentId, error: OrchflowError.from(error).toJson() });
      }
      throw error;
    }
  }

  /** The handle of a registered terminal; throws TerminalNotFound. */
  getTerminal(id: string): TerminalHandle {
    return this.handleOf(this.registry.get(id));
  }

  /** The info of a registered terminal; throws TerminalNotFound. */
  terminalInfo(id: string): TerminalInfo {
    return this.infoOf(this.registry.get(id));
  }

  /**
   * Registered terminals (live, and exited ones still retained), oldest first. Throws
   * InvalidParams for a filter other than `{ agentId?, state? }`.
   */
  listTerminals(filter: TerminalFilter = {}): TerminalInfo[] {
    checkListFilter(filter);
    return this.registry.list(filter).map((r) => this.infoOf(r));
  }

  /**
   * Admits `command` (security policy, then plugins, then the audit log) and runs it on the
   * terminal; rejects with PolicyDenied etc. The policy's `executionTimeoutMs` caps `timeoutMs`.
   * A terminal's commands are admitted one at a time, each once the earlier ones have finished,
   * against the directory they left. `context.principal` is who asks (recorded in the audit log).
   * Options other than those of {@link OrchestratorExecOptions} — a misspelt one, or `env`, which
   * the orchestrator does not take — are refused with InvalidParams before anything is admitted.
   */
  async execute(
    terminalId: string,
    command: string,
    options?: OrchestratorExecOptions,
    context?: CallContext,
  ): Promise<ExecResult> {
    this.assertOpen();
    const checked = checkExecuteOptions(options);
    await this.initialized;
    return this.commands.execute(terminalId, command, checked, context);
  }

  /**
   * Sends raw input to a terminal. Throws Forbidden under a policy without `canWriteRawInput`
   * (every policy that is not trusted-like, by default) — the orchestrator's, or the
   * ConnectionPolicy `context.principal` carries — and TerminalNotFound/TerminalExited, at once.
   * Under a policy that restricts commands, lines typed at the shell's prompt are admitted like
   * commands first (see raw-input.ts): the promise then rejects with PolicyDenied for a refused
   * line. It resolves once the input is written. While a person holds the terminal's floor, only
   * they (`context.floorKey`) may write — anyone else gets FloorHeld at once — and their input is
   * recorded in the audit log, attributed to them, before it is typed.
   */
  write(terminalId: string, data: string | Uint8Array, context: CallContext = {}): Promise<void> {
    this.assertOpen();
    return this.input.write(terminalId, data, context);
  }

  /**
   * Gives `holder` the terminal's floor (a person takes it over): until they release it, only
   * calls carrying their key may run commands or type in it. Taking one's own floor again changes
   * nothing. Throws TerminalNotFound, TerminalExited, InvalidParams, and FloorHeld when someone
   * else holds it — unless `force` (the caller decides who may force; the RPC layer: admins).
   * Emits `terminal.floor`.
   */
  takeFloor(terminalId: string, holder: FloorClaim, options: { force?: boolean } = {}): FloorState {
    this.assertOpen();
    checkOptionKeys('takeFloor', options);
    const record = this.registry.get(terminalId);
    if (record.session.exitInfo) throw terminalExited(record.id, record.session.exitInfo);
    return this.floors.take(record.id, record.agentId, checkedClaim(holder), options.force === true);
  }

  /**
   * Hands a terminal's floor back; returns the floor now (free). A free floor stays free; one
   * held under another key throws FloorHeld. Emits `terminal.floor`.
   */
  releaseFloor(terminalId: string, holderKey: string): FloorState {
    this.assertOpen();
    return this.floors.release(this.registry.get(terminalId).id, holderKey);
  }

  /** Releases every floor held under `holderKey` (its connection closed); returns how many. */
  releaseFloors(holderKey: string): number {
    return this.floors.releaseAll(holderKey);
  }

  /** Who holds a terminal's floor (`holder: null` when nobody does). Throws TerminalNotFound. */
  floor(terminalId: string): FloorState {
    return this.floors.state(this.registry.get(terminalId).id);
  }

  /** Resizes a terminal; returns the size now in effect. */
  resize(terminalId: string, cols: number, rows: number): { cols: number; rows: number } {
    this.assertOpen();
    return this.lifecycle.resize(this.registry.get(terminalId), cols, rows);
  }

  /** Kills a terminal's process tree, removes it from the registry and resolves with how it ended. */
  async kill(terminalId: string, signal?: NodeJS.Signals): Promise<ExitInfo> {
    this.assertOpen();
    return this.lifecycle.kill(this.registry.get(terminalId), signal);
  }

  /**
   * What a terminal does now — idle, running (with the execute()d command), awaiting input, or
   * exited — from the kernel and the shell integration (see `Terminal.activity`). Throws
   * TerminalNotFound.
   */
  activity(terminalId: string): TerminalActivity {
    this.assertOpen();
    return this.registry.get(terminalId).session.activity();
  }

  /**
   * The newest `limit` commands of a terminal (default 100; the last 200 are kept), oldest first:
   * its `execute()`s and, in a PTY shell, the lines typed at its prompt, each with exit code and
   * duration once ended (see `Terminal.history`). Throws TerminalNotFound, InvalidParams.
   */
  history(terminalId: string, limit?: number): CommandRecord[] {
    this.assertOpen();
    const checked = HistoryParamsSchema.safeParse({ terminalId, limit });
    if (!checked.success) throw invalidParams(`Invalid history request: ${checked.error.message}`);
    return this.registry.get(terminalId).session.history(limit);
  }

  /** Calls `listener` whenever a terminal's activity changes. Throws TerminalNotFound. */
  onActivity(terminalId: string, listener: (activity: TerminalActivity) => void): Disposer {
    this.assertOpen();
    return this.registry.get(terminalId).session.onActivity(listener);
  }

  /** The visible screen of a terminal. */
  snapshot(terminalId: string): Promise<Snapshot> {
    this.assertOpen();
    return this.registry.get(terminalId).session.snapshot();
  }

  /** Reads a terminal's retained output by absolute offset. */
  read(terminalId: string, options: { fromOffset?: number; maxBytes?: number } = {}): ReadResult {
    this.assertOpen();
    checkOptionKeys('read', options);
    return this.registry.get(terminalId).session.read(options);
  }

  /**
   * A terminal's output as an async iterable with backpressure: an event is acknowledged when the
   * next one is pulled, so a slow loop pauses the terminal. Yields data, gap and end events; ends
   * after `end`, on `signal`, or on `break`. Throws TerminalNotFound now, InvalidParams (bad
   * offset) when iteration starts.
   */
  streamOutput(terminalId: string, options: StreamOutputOptions = {}): AsyncIterable<StreamEvent> {
    this.assertOpen();
    checkOptionKeys('streamOutput', options);
    return outputIterable(this.registry.get(terminalId).session, options);
  }

  /**
   * Low-level output subscription (what `streamOutput` and the RPC layer build on): `listener`
   * gets data/gap/end events from `fromOffset`; with `manualAck`, unacknowledged bytes beyond
   * `highWaterMark` pause the terminal until `ack(offset)`. Throws TerminalNotFound, InvalidParams.
   */
  subscribeOutput(
    terminalId: string,
    options: SubscribeOptions,
    listener: (event: StreamEvent) => void,
  ): Subscription {
    this.assertOpen();
    return this.registry.get(terminalId).session.subscribe(options, listener);
  }

  /**
   * Every event as an async iterable. Each consumer has a bounded queue (`eventQueueSize`): when
   * it lags, the oldest events are dropped and an `events.dropped` marker with their count comes
   * next. Ends after shutdown (once queued events are read), on `signal`, or on `break`.
   */
  subscribeEvents(options: SubscribeEventsOptions = {}): EventStream {
    this.assertOpen();
    checkOptionKeys('subscribeEvents', options);
    return this.events.subscribe(options);
  }

  /** Adds a typed event listener. Listeners must not throw; one that does is reported as a warning. */
  on<K extends OrchestratorEventName>(event: K, listener: EventListener<K>): this {
    this.events.on(event, listener);
    return this;
  }

  /** Adds a listener for the next event of this type only. */
  once<K extends OrchestratorEventName>(event: K, listener: EventListener<K>): this {
    this.events.once(event, listener);
    return this;
  }

  /** Removes a listener. */
  off<K extends OrchestratorEventName>(event: K, listener: EventListener<K>): this {
    this.events.off(event, listener);
    return this;
  }

  /**
   * Runs several commands, each admitted on its own; one result per command, in order. Aborting
   * `options.signal` interrupts the running command(s), starts no more and rejects with
   * `Cancelled` whose `data.results` has every command's outcome so far (see `BatchOptions.signal`).
   */
  async batchExecute(
    commands: ExecuteCommand[],
    options: BatchExecuteOptions = {},
    context?: CallContext,
  ): Promise<BatchItemResult[]> {
    this.assertOpen();
    const batch = checkedBatch('batch', commands, options);
    await this.initialized;
    return runBatchCommands(this.commands, batch, options, context);
  }

  /** Opens a transaction and returns its id. */
  beginTransaction(): string {
    this.assertOpen();
    return this.transactions.begin();
  }

  /**
   * Admits every command first and runs them only if all were admitted (stopping at the first
   * failure unless `stopOnError: false`); if one is denied, none runs and the error names it.
   * Each command is re-checked against its terminal's live cwd right before it runs; one denied
   * then reports PolicyDenied and the commands not yet started are skipped. Aborting
   * `options.signal` stops the commit as it stops a batch (rejecting with `Cancelled`,
   * `data.results`); the transaction is over then, as after any other failed commit.
   */
  async commitTransaction(
    txId: string,
    commands: ExecuteCommand[],
    options: BatchOptions = {},
    context?: CallContext,
  ): Promise<TxCommitResult> {
    this.assertOpen();
    const checked = checkedBatch('transaction', commands, options);
    await this.initialized;
    return this.transactions.commit(txId, checked.commands, options, context);
  }

  /** Discards an open transaction; throws InvalidState for an unknown one. */
  rollbackTransaction(txId: string): TxRollbackResult {
    this.assertOpen();
    return this.transactions.rollback(txId);
  }

  /** Opens a transaction as an object: `tx.add(id, cmd)…; await tx.commit()`. */
  transaction(): Transaction {
    return new Transaction(this, this.beginTransaction());
  }

  /**
   * Pauses every running terminal (of one agent if given: its id, or `{ agentId }`) that can be
   * paused without losing output (tmux terminals cannot); returns how many were paused. Throws
   * InvalidParams for any other filter (an unknown key, an invalid agent id): it never falls back
   * to every terminal.
   */
  pauseAll(filter?: string | BulkControlParams): number {
    this.assertOpen();
    return pauseTerminals(this.registry, filter);
  }

  /**
   * Resumes every paused terminal (of one agent if given: its id, or `{ agentId }`); returns how
   * many were resumed. Throws InvalidParams for any other filter, as `pauseAll`.
   */
  resumeAll(filter?: string | BulkControlParams): number {
    this.assertOpen();
    return resumeTerminals(this.registry, filter);
  }

  /**
   * Kills every terminal (of one agent if given: its id, or `{ agentId }`) and removes them;
   * returns how many were live. Rejects with InvalidParams, killing nothing, for any other filter
   * (an unknown key, an invalid agent id such as `''`): it never falls back to every terminal.
   */
  async killAll(filter?: string | BulkControlParams): Promise<number> {
    this.assertOpen();
    return killTerminals(this.registry, this.lifecycle, filter);
  }

  /** Terminal counts, commands run, uptime and, with `includeProcesses`, per-terminal process use. */
  async metrics(options: MetricsParams = {}): Promise<MetricsResult> {
    this.assertOpen();
    checkOptionKeys('metrics', options);
    const uptimeMs = performance.now() - this.startedAt;
    return collectMetrics(
      this.registry.list(),
      this.commands.executed,
      uptimeMs,
      options.includeProcesses ?? false,
    );
  }

  /**
   * Output bytes, stream gaps and flow-control pauses of every terminal since the orchestrator
   * started (totals that never go down, terminals removed since included), and output subscribers
   * now. Plain counters read on demand (for metrics): nothing is counted per output chunk.
   */
  outputStats(): OutputStreamStats {
    return this.registry.streamTotals();
  }

  /**
   * `record` with the secrets of its terminal (else of the orchestrator's policy) redacted, as the
   * orchestrator redacts its own audit entries: for other writers of the same audit log, such as
   * the MCP server's tool entries (their error text may quote a command or its output).
   */
  redactAuditRecord<T extends AuditRecord>(record: T): T {
    return this.security.redactions.entry(record);
  }

  /**
   * `text` with the secrets of terminal `terminalId` (else of the orchestrator's policy) redacted:
   * for text a front builds from a terminal's output after it left the terminal, such as the MCP
   * server's plain text, where removing colour codes can join a secret the bytes kept apart.
   */
  redactTerminalText(terminalId: string, text: string): string {
    return this.security.redactions.redact(terminalId, text);
  }

  /**
   * Kills every terminal (whole process trees), disposes the backend, ends event streams and
   * stops serving channels. Idempotent; afterwards every call fails with InvalidState.
   */
  shutdown(): Promise<void> {
    this.stopping ??= this.stop();
    return this.stopping;
  }

  /** An in-process client for this orchestrator acting as `principal` (default admin). */
  async connect(principal?: Principal): Promise<IpcChannel> {
    this.assertOpen();
    return connect(this, principal);
  }

  private async stop(): Promise<void> {
    this.transactions.clear();
    await killEach(this.lifecycle, this.registry.list());
    await this.backend.dispose().catch(() => undefined);
    await this.serving.stop();
    await this.security.close().catch(() => undefined);
    this.events.close();
  }

  private infoOf(record: TerminalRecord): TerminalInfo {
    const info = TerminalRegistry.info(record);
    const holder = this.floors.holder(record.id);
    return holder ? { ...info, floor: holder } : info;
  }

  private handleOf(record: TerminalRecord): TerminalHandle {
    record.handle ??= new TerminalHandle(this, record.id, record.agentId, record.session);
    return record.handle;
  }

  private assertOpen(): void {
    if (this.stopping) throw orchestratorShutDown();
  }
}
