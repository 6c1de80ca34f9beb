// Runs commands in one persistent agent terminal (a PTY shell, so `cd` and exported variables
// carry over between runs), streaming its output as plain text. A restarted sidecar has none of
// the old one's terminals, so the terminal is spawned again whenever the sidecar generation changed.
import type { RemoteTerminal } from '@orchflow/client';
import { ErrorCode, isOrchflowError, OrchflowError } from '@orchflow/protocol';
import { z } from 'zod';
import { AnsiStripper } from './ansi';
import type { RunOutcome } from './format';
import type { SidecarSupervisor } from './sidecar';

function isGone(error: unknown): boolean {
  return (
    isOrchflowError(error) &&
    (error.code === ErrorCode.TerminalExited || error.code === ErrorCode.TerminalNotFound)
  );
}

/** Options of {@link AgentTerminalRunner}. */
export interface AgentTerminalRunnerOptions {
  /** The agent the terminal belongs to. Default `vscode`. */
  agentId?: string;
  /** The terminal's starting directory (the workspace folder). */
  cwd?: string;
  /** Per-run limit. Default 10 minutes. */
  timeoutMs?: number;
}

const CommandSchema = z.string().trim().min(1, 'the command is empty').max(10_000);

/** One persistent terminal per editor window; one run at a time. */
export class AgentTerminalRunner {
  private terminal: { handle: RemoteTerminal; generation: number } | undefined;
  private busy = false;

  constructor(
    private readonly sidecar: SidecarSupervisor,
    private readonly options: AgentTerminalRunnerOptions = {},
  ) {}

  /** True while a run is in progress. */
  get running(): boolean {
    return this.busy;
  }

  /** Runs `command`, passing its output (ANSI stripped, LF line ends) to `onText` as it arrives. */
  async run(command: string, onText: (text: string) => void): Promise<RunOutcome> {
    const parsed = CommandSchema.safeParse(command);
    if (!parsed.success) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `Cannot run the command: ${parsed.error.issues[0]?.message}`,
      );
    }
    if (this.busy) {
      throw new OrchflowError(ErrorCode.InvalidState, 'A run is already in progress; wait for it to finish.');
    }
    this.busy = true;
    try {
      try {
        return await this.execute(await this.ensureTerminal(), parsed.data, onText);
      } catch (error) {
        // The shell was ended (`exit` typed into it, or killed): run in a fresh one, once.
        if (!isGone(error)) throw error;
        this.terminal = undefined;
        return await this.execute(await this.ensureTerminal(), parsed.data, onText);
      }
    } finally {
      this.busy = false;
    }
  }

  private async execute(
    terminal: RemoteTerminal,
    command: string,
    onText: (text: string) => void,
  ): Promise<RunOutcome> {
    const stripper = new AnsiStripper();
    const result = await terminal.execute(command, {
      timeoutMs: this.options.timeoutMs ?? 600_000,
      onOutput: (chunk) => {
        const text = stripper.push(chunk.data);
        if (text) onText(text);
      },
    });
    const rest = stripper.flush();
    if (rest) onText(rest);
    return {
      command,
      exitCode: result.exitCode,
      signal: result.signal,
      durationMs: result.durationMs,
      timedOut: result.timedOut,
      cwd: result.cwd,
    };
  }

  private async ensureTerminal(): Promise<RemoteTerminal> {
    const client = await this.sidecar.client();
    const generation = this.sidecar.generation;
    if (this.terminal?.generation === generation) return this.terminal.handle;
    const handle = await client.spawnTerminal(this.options.agentId ?? 'vscode', {
      cwd: this.options.cwd,
      name: 'agent terminal',
    });
    this.terminal = { handle, generation };
    return handle;
  }
}
