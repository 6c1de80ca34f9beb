// One sandboxed orchflow terminal per chat user. The bot writes each snippet into the user's own
// workspace from the host side and then runs `python3 main.py` / `node main.mjs` in the user's
// terminal: no code is ever pasted into a shell line, so quoting cannot break out, and the
// command the policy judges is always the plain interpreter call.
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Orchestrator, type TerminalHandle } from '@orchflow/core';
import {
  ErrorCode,
  type ExecResult,
  isOrchflowError,
  OrchflowError,
  type PolicyDeniedData,
  policyDenial,
} from '@orchflow/protocol';
import type { Language } from './commands';
import { type CodeBotPolicyOptions, codeBotPolicy } from './policy';

/** What running something for a user came to. */
export type RunOutcome =
  | { kind: 'result'; result: ExecResult }
  | { kind: 'denied'; denial: PolicyDeniedData };

/** Options of {@link SandboxRunner.create}. */
export interface SandboxRunnerOptions extends CodeBotPolicyOptions {
  /** Largest output orchflow keeps per run before cutting the middle (default 256 KiB). */
  maxOutputBytes?: number;
}

// `node --jitless`: V8 reserves more than 512 MiB of address space at start-up (its code range),
// and RLIMIT_AS counts reservations, so plain `node` cannot start under the plan's 512 MiB.
// Without the JIT it starts and real allocations are still capped. `--no-expose-wasm` silences
// the warning --jitless prints; it goes first because the policy reads an option it does not
// know as taking the next word (`--jitless --no-expose-wasm main.mjs` would hide the script).
const RUN_LINE: Record<Language, { file: string; line: string }> = {
  python3: { file: 'main.py', line: 'python3 main.py' },
  node: { file: 'main.mjs', line: 'node --no-expose-wasm --jitless main.mjs' },
};

/** Runs users' code, each user in a terminal and workspace of their own. */
export class SandboxRunner {
  private readonly terminals = new Map<string, Promise<TerminalHandle>>();
  // Per-user queue: writing main.py and running it must not interleave with the same user's next run.
  private readonly queues = new Map<string, Promise<unknown>>();

  private constructor(
    /** The orchestrator that owns every user's terminal. */
    readonly orchestrator: Orchestrator,
    /** Directory holding one workspace per user. */
    readonly root: string,
    private readonly maxOutputBytes: number,
  ) {}

  /** Builds the orchestrator under the bot's policy; throws InvalidParams for bad options. */
  static create(options: SandboxRunnerOptions = {}): SandboxRunner {
    const orchestrator = Orchestrator.builder()
      .withSecurityPolicy(codeBotPolicy(options))
      .withMaxTerminals(256)
      .build();
    const root = mkdtempSync(join(tmpdir(), 'orchflow-codebot-'));
    // The sandbox runs as an unprivileged user who must be able to pass through to a workspace.
    chmodSync(root, 0o711);
    return new SandboxRunner(orchestrator, root, options.maxOutputBytes ?? 256 * 1024);
  }

  /** The agent id a user's terminal is spawned under. */
  static agentIdOf(userId: string): string {
    return `chat-${userId}`;
  }

  /** Writes `code` into the user's workspace and runs it with `language`'s interpreter. */
  runCode(userId: string, language: Language, code: string): Promise<RunOutcome> {
    const { file, line } = RUN_LINE[language];
    return this.serial(userId, async () => {
      const terminal = await this.terminalOf(userId);
      writeFileSync(join(this.workspaceOf(userId), file), code.endsWith('\n') ? code : `${code}\n`);
      return this.execute(userId, terminal, line);
    });
  }

  /** Runs a command line in the user's terminal; the policy decides whether it may run. */
  runLine(userId: string, line: string): Promise<RunOutcome> {
    return this.serial(userId, async () => this.execute(userId, await this.terminalOf(userId), line));
  }

  /** Kills the user's terminal and deletes their workspace; false when they had none. */
  reset(userId: string): Promise<boolean> {
    return this.serial(userId, async () => {
      const pending = this.terminals.get(userId);
      this.terminals.delete(userId);
      // Kill first: nothing of the user's may still be writing while the workspace goes.
      const terminal = await pending?.catch(() => undefined);
      await terminal?.kill().catch(() => undefined);
      rmSync(this.workspaceOf(userId), { recursive: true, force: true });
      return pending !== undefined;
    });
  }

  /** Directory of a user's files (created on their first run). */
  workspaceOf(userId: string): string {
    // Hashed: a user id is platform data and must not choose a path.
    return join(this.root, createHash('sha256').update(userId).digest('hex').slice(0, 24));
  }

  /** Shuts the orchestrator down (every terminal's process tree dies) and deletes all workspaces. */
  async close(): Promise<void> {
    await this.orchestrator.shutdown();
    rmSync(this.root, { recursive: true, force: true });
  }

  private async execute(userId: string, terminal: TerminalHandle, line: string): Promise<RunOutcome> {
    try {
      return {
        kind: 'result',
        result: await terminal.execute(line, { maxOutputBytes: this.maxOutputBytes }),
      };
    } catch (error) {
      const denial = policyDenial(error);
      if (denial) return { kind: 'denied', denial };
      // A shell that died (killed by the OOM killer, say) is replaced on the next run.
      if (
        isOrchflowError(error) &&
        (error.code === ErrorCode.TerminalExited || error.code === ErrorCode.TerminalNotFound)
      ) {
        this.terminals.delete(userId);
      }
      throw error;
    }
  }

  private terminalOf(userId: string): Promise<TerminalHandle> {
    let terminal = this.terminals.get(userId);
    if (!terminal) {
      const cwd = this.workspaceOf(userId);
      mkdirSync(cwd, { recursive: true, mode: 0o755 });
      terminal = this.orchestrator.spawnTerminal(SandboxRunner.agentIdOf(userId), { cwd });
      const spawned = terminal;
      spawned.catch(() => {
        if (this.terminals.get(userId) === spawned) this.terminals.delete(userId);
      });
      this.terminals.set(userId, terminal);
    }
    return terminal;
  }

  private serial<T>(userId: string, task: () => Promise<T>): Promise<T> {
    if (this.orchestrator.isShutDown) {
      return Promise.reject(
        new OrchflowError(ErrorCode.InvalidState, 'The bot is shutting down; try again later.'),
      );
    }
    const previous = this.queues.get(userId) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.catch(() => undefined);
    this.queues.set(userId, settled);
    void settled.then(() => {
      if (this.queues.get(userId) === settled) this.queues.delete(userId);
    });
    return next;
  }
}
