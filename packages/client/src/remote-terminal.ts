// `RemoteTerminal`: a handle on one terminal served over RPC, with the same methods as core's
// in-process `TerminalHandle`. Live output listeners share one lazily opened subscription.
import {
  type CommandRecord,
  type Disposer,
  disposer,
  ErrorCode,
  type ExecResult,
  type ExecuteOptions,
  type ExitInfo,
  type FloorHolder,
  type FloorState,
  isOrchflowError,
  type Methods,
  OrchflowError,
  type OutputChunk,
  type ReadResult,
  type RpcPeer,
  type ServerCapabilities,
  type Snapshot,
  type TerminalActivity,
  type TerminalInfo,
} from '@orchflow/protocol/runtime';
import { missingFeature } from './features';
import { ProgressParams } from './notification-schemas';
import { unknownOption } from './option-keys';
import type { OutputEvent } from './output-events';
import { type StreamOptions, streamOutput } from './output-stream';
import type { OpenSubscription, SubscriptionRouter } from './subscription-router';
import { writeData } from './write-data';

/** Extra time a request waits beyond a command's own `timeoutMs` before giving up on the server. */
export const EXECUTE_RESPONSE_MARGIN_MS = 30_000;

/**
 * How long an aborted `execute()` waits by default for the server's answer, which carries the
 * partial result: 5 s. The server interrupts the command first (SIGINT, then SIGKILL after 2 s
 * for a command that ignores it) and the shell shows its prompt; the rest is room for the trip.
 */
export const EXECUTE_CANCEL_WAIT_MS = 5_000;

/** Options of {@link RemoteTerminal.execute}. */
export interface RemoteExecuteOptions extends ExecuteOptions {
  /** Receives the command's raw output (escapes not stripped) while it runs. */
  onOutput?: (chunk: OutputChunk) => void;
  /**
   * Called once the server admitted the command (plugins and policy passed) and queued it, with
   * the offset its output will start at or after. Servers listing the `executeStarted` feature call it.
   */
  onStart?: (offset: number) => void;
  /**
   * Aborting interrupts the command on the server; the call rejects with `Cancelled`, as in
   * process: once the server has answered (up to `cancelWaitMs`), with the partial result of a
   * command that had started in `error.data.result`. A command that finished before the
   * interrupt reached it also rejects, its whole result in `error.data.result`.
   */
  signal?: AbortSignal;
  /**
   * After an abort, how long to wait for the server's answer, the partial result, before
   * rejecting with a plain `Cancelled` (no `data`); a dropped connection ends the wait too.
   * Default {@link EXECUTE_CANCEL_WAIT_MS}; `0` rejects at once.
   */
  cancelWaitMs?: number;
  /**
   * While a person holds the terminal's floor, wait for them to hand it back instead of failing
   * with `FloorHeld`; `timeoutMs` bounds the wait and the command together.
   */
  waitForFloor?: boolean;
  /**
   * How long to wait for the response. Default: `timeoutMs` plus {@link EXECUTE_RESPONSE_MARGIN_MS},
   * or no limit when the command has no `timeoutMs` (commands may legitimately run for hours).
   */
  requestTimeoutMs?: number;
  /**
   * Members for the request's `_meta`: a W3C `traceparent` (and `tracestate`) makes the server's
   * spans of this command children of your span, and the command's TRACEPARENT names its own
   * span (see docs/observability.md, Traces). E.g. with OpenTelemetry:
   * `const meta = {}; propagation.inject(context.active(), meta)`.
   */
  meta?: Readonly<Record<string, string>>;
}

/** What a remote terminal needs from its client. */
export interface RemoteTerminalContext {
  readonly peer: RpcPeer<typeof Methods>;
  readonly router: SubscriptionRouter;
  /** What the connection offers; a call needing a missing feature fails with `Unsupported`. */
  readonly capabilities: ServerCapabilities;
}

/** A terminal on the server, driven over RPC. */
export class RemoteTerminal {
  private current: TerminalInfo;
  private readonly listeners = new Set<(chunk: OutputChunk) => void>();
  private readonly exitListeners = new Set<(exit: ExitInfo) => void>();
  private live: Promise<OpenSubscription> | undefined;
  /** Activity and floor listeners: they keep the live subscription open, as output listeners do. */
  private watchers = 0;

  constructor(
    private readonly context: RemoteTerminalContext,
    info: TerminalInfo,
  ) {
    this.current = info;
  }

  /** The terminal's id. */
  get id(): string {
    return this.current.id;
  }

  /** The agent that owns the terminal. */
  get agentId(): string {
    return this.current.agentId;
  }

  /**
   * What this handle last learned about the terminal: a cached copy, not a query (it costs no
   * round trip, and it can be stale). It starts as the info the handle was made with (the spawn's
   * answer, or a `listTerminals()` entry) and is updated by this handle's calls and what they
   * bring back: `resize()`, `kill()`, floor changes, an `execute()` whose command ended the shell
   * (`shellExited: true`: `state: 'exited'`, `exitCode` the shell's status) or that was refused
   * with `TerminalExited`, and the `terminal.exit` notification while a live subscription is
   * open (`onOutput`, `onExit`, `onActivity` or `onFloor`). A terminal killed by someone else, or
   * one that exits while nothing listens, still shows `running` here until one of these happens:
   * for the server's current view call `client.listTerminals()`, or `activity()`.
   */
  info(): TerminalInfo {
    return { ...this.current };
  }

  /**
   * Who holds the terminal's floor, as this handle last learned it (from the info it was made
   * with, `takeFloor`/`releaseFloor`, and `onFloor` notifications); undefined when nobody does.
   */
  get floor(): FloorHolder | undefined {
    return this.current.floor;
  }

  /**
   * Takes the terminal's floor for this connection: until `releaseFloor()` (or this connection
   * closes, or the terminal exits), only this connection may type or run commands in it; everyone
   * else gets `FloorHeld`. Rejects with `FloorHeld` when someone else holds it — an admin may pass
   * `force: true` to take it from them — and `Forbidden` for a read-only principal.
   */
  async takeFloor(options: { force?: boolean } = {}): Promise<FloorState> {
    const params = options.force ? { terminalId: this.id, force: true } : { terminalId: this.id };
    return this.learnFloor(await this.context.peer.request('terminal.floor.take', params));
  }

  /** Hands the floor back (a free floor stays free); rejects with `FloorHeld` if someone else holds it. */
  async releaseFloor(): Promise<FloorState> {
    return this.learnFloor(
      await this.context.peer.request('terminal.floor.release', { terminalId: this.id }),
    );
  }

  /**
   * Calls `listener` whenever someone takes or releases the terminal's floor. The server sends
   * changes to connections subscribed to the terminal, so this shares the live subscription of
   * `onOutput`. Resolves once changes flow.
   */
  onFloor(listener: (state: FloorState) => void): Promise<Disposer> {
    return this.watch(this.context.router.onFloor(this.id, (state) => listener(this.learnFloor(state))));
  }

  /**
   * Runs a command in the terminal's persistent shell and resolves with its result. An option
   * this method does not know (`timeout` for `timeoutMs`, say) is refused with InvalidParams
   * naming it, before anything is sent. A result with `shellExited: true` (`exit`, `exec`), or a
   * refusal with `TerminalExited`, also marks the handle's {@link info} exited.
   */
  execute(command: string, options: RemoteExecuteOptions = {}): Promise<ExecResult> {
    const unknown = unknownOption('execute', options);
    if (unknown) return Promise.reject(unknown);
    const { onOutput, onStart, signal, cancelWaitMs, requestTimeoutMs, meta, ...limits } = options;
    // Without these features chunks would silently never come, and an abort would reject while
    // the command ran on (`onStart` needs no check: it is documented to fire only where offered).
    const missing =
      (onOutput
        ? missingFeature(this.context.capabilities, 'executeProgress', 'execute() with onOutput')
        : undefined) ??
      (signal
        ? missingFeature(this.context.capabilities, 'cancellation', 'execute() with a signal')
        : undefined);
    if (missing) return Promise.reject(missing);
    // JSON has no NaN or Infinity (they would arrive as null): say so here, in the words the
    // server uses for the rest of these checks.
    for (const name of ['timeoutMs', 'idleTimeoutMs', 'maxOutputBytes'] as const) {
      const value: unknown = limits[name];
      if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
        return Promise.reject(
          new OrchflowError(
            ErrorCode.InvalidParams,
            `Invalid execute options at options.${name}: expected a finite number, received ${String(value)}`,
          ),
        );
      }
    }
    const timeoutMs =
      requestTimeoutMs ??
      (limits.timeoutMs === undefined || limits.timeoutMs <= 0
        ? 0
        : limits.timeoutMs + EXECUTE_RESPONSE_MARGIN_MS);
    return this.context.peer
      .request(
        'terminal.execute',
        { terminalId: this.id, command, ...limits },
        {
          timeoutMs,
          signal,
          cancelWaitMs: cancelWaitMs ?? EXECUTE_CANCEL_WAIT_MS,
          onProgress: onOutput || onStart ? (value) => deliverProgress(value, onOutput, onStart) : undefined,
          ...(meta ? { meta } : {}),
        },
      )
      .then(
        (result) => {
          // The command ended the shell: the terminal exits with it, with the shell's status.
          if (result.shellExited) this.learnExit({ exitCode: result.exitCode, signal: result.signal });
          return result;
        },
        (error: unknown) => {
          if (isOrchflowError(error) && error.code === ErrorCode.TerminalExited) {
            this.learnExit(exitOf(error.data));
          }
          throw error;
        },
      );
  }

  /**
   * Sends input as if typed (`\r` is Enter): text, or bytes (sent as base64 when they are not
   * valid UTF-8), like the in-process `TerminalHandle.write`.
   */
  async write(data: string | Uint8Array): Promise<void> {
    await this.context.peer.request('terminal.write', { terminalId: this.id, ...writeData(data) });
  }

  /** Changes the terminal size; resolves with the size now in effect. */
  async resize(cols: number, rows: number): Promise<{ cols: number; rows: number }> {
    const size = await this.context.peer.request('terminal.resize', { terminalId: this.id, cols, rows });
    this.current = { ...this.current, ...size };
    return { cols: size.cols, rows: size.rows };
  }

  /** Kills the terminal's whole process tree and resolves with how it ended. */
  async kill(signal?: string): Promise<ExitInfo> {
    const exit = await this.context.peer.request('terminal.kill', { terminalId: this.id, signal });
    this.current = { ...this.current, state: 'exited', exitCode: exit.exitCode };
    return exit;
  }

  /** The visible screen. */
  snapshot(): Promise<Snapshot> {
    return this.context.peer.request('terminal.snapshot', { terminalId: this.id });
  }

  /**
   * What the terminal does now: `idle` at its prompt, `running` a command (with the execute()d
   * text and when it started), `awaiting_input` (blocked reading the terminal) or `exited`.
   */
  activity(): Promise<TerminalActivity> {
    return this.context.peer.request('terminal.activity', { terminalId: this.id });
  }

  /**
   * The newest `limit` commands the terminal ran (default 100; the server keeps the last 200),
   * oldest first: its `execute()`s and the lines typed at its prompt, each with exit code and
   * duration once ended.
   */
  async history(limit?: number): Promise<CommandRecord[]> {
    const { commands } = await this.context.peer.request('terminal.history', { terminalId: this.id, limit });
    return commands;
  }

  /**
   * Calls `listener` whenever the terminal's activity changes. The server sends changes to
   * connections subscribed to the terminal, so this shares the live subscription of `onOutput`.
   * Resolves once changes flow.
   */
  onActivity(listener: (activity: TerminalActivity) => void): Promise<Disposer> {
    return this.watch(this.context.router.onActivity(this.id, listener));
  }

  /** Reads retained output by absolute byte offset. */
  read(options: { fromOffset?: number; maxBytes?: number } = {}): Promise<ReadResult> {
    const unknown = unknownOption('read', options);
    if (unknown) return Promise.reject(unknown);
    return this.context.peer.request('terminal.read', { terminalId: this.id, ...options });
  }

  /**
   * Calls `listener` with live output. The first listener opens a subscription; it closes when
   * the last one is disposed. Resolves once output is flowing, so nothing printed after is missed.
   */
  async onOutput(listener: (chunk: OutputChunk) => void): Promise<Disposer> {
    this.listeners.add(listener);
    try {
      await this.liveSubscription();
    } catch (error) {
      this.listeners.delete(listener);
      throw error;
    }
    return disposer(() => this.removeListener(listener));
  }

  /**
   * Calls `listener` once when the terminal exits, with how it ended: `reason` is `'node-lost'`
   * when a cluster's node running it is gone (the exit was concluded, not seen). Like `onActivity`,
   * it shares the live subscription of `onOutput`; resolves once exits are heard. The handle's
   * `info()` shows the exit too (`state: 'exited'`, `exitCode`, `exitReason`).
   */
  onExit(listener: (exit: ExitInfo) => void): Promise<Disposer> {
    this.exitListeners.add(listener);
    return this.watch(() => this.exitListeners.delete(listener));
  }

  /** The terminal's output as an async iterable, from `fromOffset` (resume) or live. */
  stream(options: StreamOptions = {}): AsyncIterable<OutputEvent> {
    return streamOutput(this.context.router, this.id, options);
  }

  private liveSubscription(): Promise<OpenSubscription> {
    this.live ??= this.context.router
      .subscribe(this.id, undefined, {
        data: (chunk) => {
          for (const listener of [...this.listeners]) listener(chunk);
        },
        gap: () => undefined,
        exit: (exit) => {
          this.live = undefined;
          this.learnExit(exit);
          for (const listener of [...this.exitListeners]) listener(exit);
        },
        fail: () => {
          this.live = undefined;
        },
      })
      .catch((error: unknown) => {
        this.live = undefined;
        throw error;
      });
    return this.live;
  }

  private removeListener(listener: (chunk: OutputChunk) => void): void {
    if (this.listeners.delete(listener)) this.releaseLive();
  }

  /** Keeps the live subscription open until the returned disposer runs `stop`; resolves once it flows. */
  private async watch(stop: () => void): Promise<Disposer> {
    this.watchers++;
    const release = (): void => {
      stop();
      this.watchers--;
      this.releaseLive();
    };
    try {
      await this.liveSubscription();
    } catch (error) {
      release();
      throw error;
    }
    return disposer(release);
  }

  private learnExit(exit: ExitInfo): void {
    // Already known exited (a kill, the exit notification): keep what was learned first.
    if (this.current.state === 'exited' && exit.reason === undefined && exit.exitCode === null) return;
    const { exitReason: _previous, ...rest } = this.current;
    const ended: TerminalInfo = { ...rest, state: 'exited', exitCode: exit.exitCode };
    this.current = exit.reason === undefined ? ended : { ...ended, exitReason: exit.reason };
  }

  private learnFloor(state: FloorState): FloorState {
    const { floor: _previous, ...rest } = this.current;
    this.current = state.holder ? { ...rest, floor: state.holder } : rest;
    return state;
  }

  /** Closes the live subscription once no output, activity or floor listener needs it. */
  private releaseLive(): void {
    if (this.listeners.size > 0 || this.watchers > 0) return;
    const live = this.live;
    this.live = undefined;
    void live?.then((subscription) => subscription.close()).catch(() => undefined);
  }
}

/** The exit a `TerminalExited` error's `data` describes (`{ exitCode, signal }`); unknown parts null. */
function exitOf(data: unknown): ExitInfo {
  const { exitCode, signal } = (typeof data === 'object' && data !== null ? data : {}) as Record<
    string,
    unknown
  >;
  return {
    exitCode: typeof exitCode === 'number' && Number.isInteger(exitCode) ? exitCode : null,
    signal: typeof signal === 'string' ? signal : null,
  };
}

function deliverProgress(
  value: unknown,
  onOutput: ((chunk: OutputChunk) => void) | undefined,
  onStart: ((offset: number) => void) | undefined,
): void {
  const parsed = ProgressParams.safeParse(value);
  if (!parsed.success) return;
  const { data, offset, started } = parsed.data;
  if (started) onStart?.(offset);
  else onOutput?.({ data, offset });
}
