// `RemoteTerminal`: a handle on one terminal served over RPC, with the same methods as core's
// in-process `TerminalHandle`. Live output listeners share one lazily opened subscription.
import {
  type CommandRecord,
  type Disposer,
  disposer,
  ErrorCode,
  type ExecResult,
  type ExitInfo,
  type FloorHolder,
  type FloorState,
  isOrchflowError,
  type Methods,
  type OutputChunk,
  type ReadResult,
  type RpcPeer,
  type ServerCapabilities,
  type Snapshot,
  type TerminalActivity,
  type TerminalInfo,
  type TerminalLike,
} from '@orchflow/protocol/runtime';
import { unknownOption } from './option-keys';
import type { OutputEvent } from './output-events';
import { type StreamOptions, streamOutput } from './output-stream';
import { type RemoteExecuteOptions, requestExecute } from './remote-execute';
import type { OpenSubscription, SubscriptionRouter } from './subscription-router';
import { writeData } from './write-data';

/** What a remote terminal needs from its client. */
export interface RemoteTerminalContext {
  readonly peer: RpcPeer<typeof Methods>;
  readonly router: SubscriptionRouter;
  /** What the connection offers; a call needing a missing feature fails with `Unsupported`. */
  readonly capabilities: ServerCapabilities;
}

/** A terminal on the server, driven over RPC. */
export class RemoteTerminal implements TerminalLike {
  private current: TerminalInfo;
  private readonly listeners = new Set<(chunk: OutputChunk) => void>();
  private readonly exitListeners = new Set<(exit: ExitInfo) => void>();
  private live: Promise<OpenSubscription> | undefined;
  /** Activity and floor listeners: they keep the live subscription open, as output listeners do. */
  private watchers = 0;

  /** @internal Created by the client (`spawnTerminal`, `handle`). */
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
    return requestExecute(this.context.peer, this.context.capabilities, this.id, command, options).then(
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
