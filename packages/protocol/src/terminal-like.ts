// The calls an in-process terminal handle (core's `TerminalHandle`) and a remote one (the
// client's `RemoteTerminal`) have in common, so code written once runs on both. Both classes
// declare `implements TerminalLike`: the compiler keeps them in step.
import type { Disposer } from './disposer';
import type { TerminalActivity } from './schemas/activity';
import type {
  ExecResult,
  ExecuteOptions,
  ExitInfo,
  OutputChunk,
  ReadResult,
  Snapshot,
  TerminalInfo,
} from './schemas/domain';
import type { CommandRecord } from './schemas/history';

/**
 * A value, or a promise of it: what an in-process handle answers at once, a remote one answers
 * after a round trip. `await` reads both.
 */
export type MaybePromise<T> = T | Promise<T>;

/** The `execute` options every {@link TerminalLike} takes (each handle takes more of its own). */
export interface TerminalLikeExecuteOptions extends ExecuteOptions {
  /** Interrupts the command; the call rejects with `Cancelled` (its partial result in `error.data.result`). */
  signal?: AbortSignal;
  /** Receives the command's raw output (escapes not stripped) while it runs. */
  onOutput?: (chunk: OutputChunk) => void;
  /** While a person holds the floor, wait for it instead of failing with `FloorHeld`. */
  waitForFloor?: boolean;
}

/** The `stream` options every {@link TerminalLike} takes. */
export interface TerminalLikeStreamOptions {
  /** Replay retained output from this offset first. Default: live output only. */
  fromOffset?: number;
  /** Ends the iteration (it completes; it does not throw). */
  signal?: AbortSignal;
}

/**
 * What `stream()` yields on every {@link TerminalLike}: output with the offset of the next byte,
 * a gap of output that was not delivered, or the end (nothing follows).
 */
export type TerminalLikeStreamEvent =
  | (OutputChunk & { type: 'data'; nextOffset: number; bytes?: Uint8Array })
  | { type: 'gap'; from: number; to: number }
  | { type: 'end'; offset: number; reason?: string };

/**
 * A terminal as both an in-process handle and a remote one offer it. Write `await` before each
 * call and a function typed with it runs on either:
 * `async function build(t: TerminalLike) { return (await t.execute('make')).exitCode; }`.
 */
export interface TerminalLike {
  /** Terminal id. */
  readonly id: string;
  /** The agent that owns the terminal. */
  readonly agentId: string;
  /** The terminal's info as the handle knows it (no round trip). */
  info(): TerminalInfo;
  /** Runs a command and resolves with its result. */
  execute(command: string, options?: TerminalLikeExecuteOptions): Promise<ExecResult>;
  /** Sends raw input. */
  write(data: string | Uint8Array): Promise<void>;
  /** Changes the size; answers the size now in effect. */
  resize(cols: number, rows: number): MaybePromise<{ cols: number; rows: number }>;
  /** Kills the terminal's process tree and removes it. */
  kill(signal?: string): Promise<ExitInfo>;
  /** The visible screen. */
  snapshot(): Promise<Snapshot>;
  /** What the terminal does now: idle, running, awaiting input or exited. */
  activity(): MaybePromise<TerminalActivity>;
  /** Calls `listener` whenever the terminal's activity changes. */
  onActivity(listener: (activity: TerminalActivity) => void): MaybePromise<Disposer>;
  /** The newest `limit` commands the terminal ran, oldest first. */
  history(limit?: number): MaybePromise<CommandRecord[]>;
  /** Reads retained output by offset. */
  read(options?: { fromOffset?: number; maxBytes?: number }): MaybePromise<ReadResult>;
  /** Calls `listener` with output chunks as they arrive: all of a command's before its `execute` resolves. */
  onOutput(listener: (chunk: OutputChunk) => void): MaybePromise<Disposer>;
  /** Calls `listener` once the terminal has exited. */
  onExit(listener: (exit: ExitInfo) => void): MaybePromise<Disposer>;
  /** The output as an async iterable, replayed from `fromOffset` if given. */
  stream(options?: TerminalLikeStreamOptions): AsyncIterable<TerminalLikeStreamEvent>;
}
