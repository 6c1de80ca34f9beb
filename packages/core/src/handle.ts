// `TerminalHandle`: what `spawnTerminal` returns. Every call goes through the orchestrator, so a
// handle's commands pass the same admission (plugins, policy) as `orch.execute`.

import type { MuxSession } from '@orchflow/mux';
import type {
  CommandRecord,
  Disposer,
  ExecResult,
  ExitInfo,
  OutputChunk,
  ReadResult,
  Snapshot,
  TerminalActivity,
  TerminalInfo,
  TerminalLike,
} from '@orchflow/protocol';
import type { StreamEvent } from '@orchflow/terminal';
import type { OrchestratorExecOptions } from './events';
import type { Orchestrator } from './orchestrator';
import type { StreamOutputOptions } from './output-stream';

// The info of terminals the registry removed (killed, or their retention ended), kept for their
// handles: `info()` then answers what it was last, as a remote handle does.
const removedInfo = new WeakMap<TerminalHandle, TerminalInfo>();

/** Gives a handle its terminal's last info as the registry removes the terminal. */
export function retireHandle(handle: TerminalHandle, info: TerminalInfo): void {
  removedInfo.set(handle, info);
}

/** One terminal of an orchestrator, owned by an agent. */
export class TerminalHandle implements TerminalLike {
  /** @internal Created by the orchestrator. */
  constructor(
    private readonly orch: Orchestrator,
    /** Terminal id. */
    readonly id: string,
    /** The agent that owns the terminal. */
    readonly agentId: string,
    private readonly session: MuxSession,
  ) {}

  /**
   * The terminal's current info. Once the terminal was removed (killed, or its retention after
   * exiting ended), the info it had last: `state: 'exited'` and its `exitCode`.
   */
  info(): TerminalInfo {
    const removed = removedInfo.get(this);
    return removed ? { ...removed } : this.orch.terminalInfo(this.id);
  }

  /** Resolves once the terminal has exited and its output is complete. */
  get exited(): Promise<ExitInfo> {
    return this.session.exited;
  }

  /**
   * Runs a command (admitted like `orch.execute`, with the same options: `onStart` gets the
   * command's `command.start` event; an unknown option, or `env`, is refused with InvalidParams).
   */
  execute(command: string, options?: OrchestratorExecOptions): Promise<ExecResult> {
    return this.orch.execute(this.id, command, options);
  }

  /** Sends raw input (see `Orchestrator.write`: under a restrictive policy, prompt lines are judged). */
  write(data: string | Uint8Array): Promise<void> {
    return this.orch.write(this.id, data);
  }

  /** Changes the size. */
  resize(cols: number, rows: number): { cols: number; rows: number } {
    return this.orch.resize(this.id, cols, rows);
  }

  /** Kills the terminal's process tree and removes it. */
  kill(signal?: NodeJS.Signals): Promise<ExitInfo> {
    return this.orch.kill(this.id, signal);
  }

  /** The visible screen. */
  snapshot(): Promise<Snapshot> {
    return this.orch.snapshot(this.id);
  }

  /** What the terminal does now: idle, running, awaiting input or exited (see `Terminal.activity`). */
  activity(): TerminalActivity {
    return this.orch.activity(this.id);
  }

  /** Calls `listener` whenever the terminal's activity changes (see `Terminal.onActivity`). */
  onActivity(listener: (activity: TerminalActivity) => void): Disposer {
    return this.session.onActivity(listener);
  }

  /** The newest `limit` commands the terminal ran, oldest first (see `Orchestrator.history`). */
  history(limit?: number): CommandRecord[] {
    return this.orch.history(this.id, limit);
  }

  /** Reads retained output by offset. */
  read(options?: { fromOffset?: number; maxBytes?: number }): ReadResult {
    return this.orch.read(this.id, options);
  }

  /** Calls `listener` with output chunks as they arrive (no backpressure; see `stream`). */
  onOutput(listener: (chunk: OutputChunk) => void): Disposer {
    return this.session.onData(listener);
  }

  /**
   * Calls `listener` once the terminal has exited and its output is complete (also when it had
   * already exited); `exited` is the same as a promise.
   */
  onExit(listener: (exit: ExitInfo) => void): Disposer {
    return this.session.onExit(listener);
  }

  /** The output as a flow-controlled async iterable (see `orch.streamOutput`). */
  stream(options?: StreamOutputOptions): AsyncIterable<StreamEvent> {
    return this.orch.streamOutput(this.id, options);
  }
}
