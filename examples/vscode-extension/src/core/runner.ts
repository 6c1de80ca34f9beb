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

// False when the terminal has ended or the server no longer knows it (nothing can run there).
async function isAlive(terminal: RemoteTerminal): Promise<boolean> {
  try {
    return (await terminal.activity()).activity !== 'exited';
  } catch (error) {
    if (isGone(error)) return false;
    throw error;
  }
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
      // A shell that ended since the last run (an earlier command ran `exit`, or it was killed) is
      // replaced *before* the command is sent. Once sent, the command is never sent again: it may
      // have run (a script that ends the shell has had its side effects), so a retry would repeat them.
      let terminal = await this.ensureTerminal();
      if (!(await isAlive(terminal))) {
        this.terminal = undefined;
        terminal = await this.ensureTerminal();
      }
      try {
        const { shellExited, ...outcome } = await this.execute(terminal, parsed.data, onText);
        if (shellExited) this.terminal = undefined;
        return outcome;
      } catch (error) {
        if (isGone(error)) this.terminal = undefined;
        throw error;
      }
    } finally {
      this.busy = false;
    }
  }

  private async execute(
    terminal: RemoteTerminal,
    command: string,
    onText: (text: string) => void,
  ): Promise<RunOutcome & { shellExited: boolean }> {
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
      shellExited: result.shellExited === true,
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
