// One persistent orchflow terminal as an agent sees it: `run` a command and get a structured
// result — exited, timed out, refused by the policy, or *awaiting input* — and `sendInput` to
// answer a program that waits on the terminal. Awaiting input comes from the kernel (orchflow's
// terminal activity: the command's process is blocked reading the terminal), not from guessing
// at prompts, so a model can tell "still running" from "wants an answer".
import type { Orchestrator, TerminalHandle } from '@orchflow/core';
import {
  ErrorCode,
  type ExecResult,
  OrchflowError,
  policyDenial,
  type TerminalActivity,
} from '@orchflow/protocol';
import { z } from 'zod';

/** What every command tool call returns to the model. */
export const CommandResultSchema = z.object({
  terminal_id: z.string(),
  command: z.string(),
  /**
   * `exited`: finished, see exit_code; `timed_out`: stopped by timeout_ms (interrupted, then
   * killed; the shell stays usable); `awaiting_input`: the program waits for an answer — call
   * send_input; `denied`: the security policy refused to run it (see rule).
   */
  status: z.enum(['exited', 'timed_out', 'awaiting_input', 'denied']),
  exit_code: z.number().int().nullable(),
  output: z.string(),
  truncated: z.boolean(),
  duration_ms: z.number().int().nonnegative(),
  /** The policy rule that refused the command (status `denied`). */
  rule: z.string().optional(),
  /** What the model can do next. */
  hint: z.string().optional(),
});
/** A command tool's structured result (see {@link CommandResultSchema}). */
export type CommandResult = z.infer<typeof CommandResultSchema>;

/** Options of {@link AgentTerminal.run}. */
export interface RunOptions {
  /** Hard limit for the command, ms (the policy's executionTimeoutMs caps it). */
  timeoutMs?: number;
  /** Output kept in the result before orchflow drops the middle (default 16 KiB). */
  maxOutputBytes?: number;
}

type Settled = { ok: true; result: ExecResult } | { ok: false; error: unknown };

interface InFlight {
  command: string;
  startedAt: number;
  settled: Promise<Settled>;
  /** The newest raw output (for awaiting_input results: the command has not ended yet). */
  raw: string;
  /** Characters dropped from the front of `raw` to keep it bounded. */
  dropped: number;
  /** Most characters `raw` keeps. */
  keep: number;
}

// Appends a chunk, keeping only the newest `keep` characters: a chatty command that runs for
// hours must not grow the agent's memory.
function append(inFlight: InFlight, data: string): void {
  inFlight.raw += data;
  const excess = inFlight.raw.length - inFlight.keep;
  if (excess > 0) {
    inFlight.raw = inFlight.raw.slice(excess);
    inFlight.dropped += excess;
  }
}

// CSI and OSC escape sequences and carriage returns: the raw stream of a PTY, made readable.
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|\r/g;

/** Strips terminal escapes from raw PTY output. */
export function plainText(raw: string): string {
  return raw.replace(ESCAPES, '');
}

// How the wait is seen: orchflow's terminal activity (onActivity events, from the kernel) says
// `awaiting_input` while the command's process is blocked reading the terminal, and its
// `waitingSince` says when *that* wait began. A program that reads an answer and asks again is a
// new wait with a later `waitingSince`, so "it asks (again)" is simply: awaiting_input for our
// command, with a wait that began after the command started or after the answer was written.
function isWaitAfter(activity: TerminalActivity, command: string, after: number): boolean {
  if (activity.activity !== 'awaiting_input' || activity.command !== command) return false;
  const began = Date.parse(activity.waitingSince ?? activity.since ?? '');
  return Number.isFinite(began) && began >= after;
}

/** A persistent terminal that reports commands the way a tool-calling model needs them. */
export class AgentTerminal {
  private inFlight: InFlight | undefined;

  private constructor(private readonly handle: TerminalHandle) {}

  /** Spawns the agent's terminal in `cwd`. */
  static async open(orchestrator: Orchestrator, agentId: string, cwd: string): Promise<AgentTerminal> {
    return new AgentTerminal(await orchestrator.spawnTerminal(agentId, { cwd }));
  }

  /** The orchflow terminal id. */
  get id(): string {
    return this.handle.id;
  }

  /**
   * Runs `command` and resolves when it exits, times out, is refused, or blocks reading the
   * terminal (`awaiting_input`: it keeps running; answer with {@link sendInput}).
   * Throws InvalidState while an earlier command still waits for input.
   */
  async run(command: string, options: RunOptions = {}): Promise<CommandResult> {
    if (this.inFlight) {
      throw new OrchflowError(
        ErrorCode.InvalidState,
        `'${this.inFlight.command}' is still waiting for input in terminal ${this.id}: answer it with send_input first.`,
      );
    }
    const maxOutputBytes = options.maxOutputBytes ?? 16 * 1024;
    const inFlight: InFlight = {
      command,
      startedAt: Date.now(),
      raw: '',
      dropped: 0,
      keep: maxOutputBytes,
      settled: Promise.resolve({ ok: false, error: undefined }),
    };
    inFlight.settled = this.handle
      .execute(command, {
        timeoutMs: options.timeoutMs,
        maxOutputBytes,
        onOutput: (chunk) => append(inFlight, chunk.data),
      })
      .then(
        (result): Settled => ({ ok: true, result }),
        (error: unknown): Settled => ({ ok: false, error }),
      );
    this.inFlight = inFlight;
    return this.outcome(inFlight);
  }

  /**
   * Types `text` (a newline is added unless it ends with one) into the program that awaits input,
   * then resolves like {@link run}. Throws InvalidState when no command waits.
   */
  async sendInput(text: string): Promise<CommandResult> {
    const inFlight = this.inFlight;
    if (!inFlight) {
      throw new OrchflowError(
        ErrorCode.InvalidState,
        `No command is waiting for input in terminal ${this.id}; use run_command.`,
      );
    }
    const line = text.endsWith('\n') ? text : `${text}\n`;
    // A wait that began before this moment is the question being answered, not a new one.
    const writtenAt = Date.now();
    await this.handle.write(line);
    return this.outcome(inFlight, writtenAt);
  }

  // Whichever comes first: the command settles, or it is seen blocked reading the terminal in a
  // wait that began at or after `after` (ms).
  private outcome(inFlight: InFlight, after = inFlight.startedAt): Promise<CommandResult> {
    return new Promise<CommandResult>((resolve, reject) => {
      let done = false;
      const finish = (result: CommandResult | Error) => {
        if (done) return;
        done = true;
        stop.dispose();
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      const check = (activity: TerminalActivity) => {
        if (isWaitAfter(activity, inFlight.command, after)) finish(this.awaiting(inFlight));
      };
      const stop = this.handle.onActivity(check);
      // The wait may have begun before we subscribed (events report changes only).
      check(this.handle.activity());
      void inFlight.settled.then((settled) => {
        if (this.inFlight === inFlight) this.inFlight = undefined;
        try {
          finish(this.settledResult(inFlight, settled));
        } catch (error) {
          finish(OrchflowError.from(error));
        }
      });
    });
  }

  private awaiting(inFlight: InFlight): CommandResult {
    return {
      terminal_id: this.id,
      command: inFlight.command,
      status: 'awaiting_input',
      exit_code: null,
      output: `${inFlight.dropped > 0 ? '…' : ''}${plainText(inFlight.raw)}`,
      truncated: inFlight.dropped > 0,
      duration_ms: Date.now() - inFlight.startedAt,
      hint: 'The program is blocked reading the terminal: answer with send_input (a newline is added).',
    };
  }

  private settledResult(inFlight: InFlight, settled: Settled): CommandResult {
    const base = { terminal_id: this.id, command: inFlight.command };
    if (!settled.ok) {
      const denial = policyDenial(settled.error);
      if (!denial) throw settled.error;
      return {
        ...base,
        status: 'denied',
        exit_code: null,
        output: denial.reason,
        truncated: false,
        duration_ms: Date.now() - inFlight.startedAt,
        rule: denial.rule,
        hint: 'The security policy refused this command; it did not run. Try another way.',
      };
    }
    const { result } = settled;
    return {
      ...base,
      status: result.timedOut ? 'timed_out' : 'exited',
      exit_code: result.exitCode,
      output: result.stdout,
      truncated: result.truncated,
      duration_ms: Math.round(result.durationMs),
      ...(result.timedOut
        ? {
            hint: 'Stopped at the timeout (SIGINT, then SIGKILL); the terminal is ready for the next command.',
          }
        : {}),
    };
  }
}
