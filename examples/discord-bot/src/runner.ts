// One sandboxed orchflow terminal per chat user. The bot writes each snippet into the user's own
// workspace from the host side and then runs `python3 main.py` / `node main.mjs` in the user's
// terminal: no code is ever pasted into a shell line, so quoting cannot break out, and the
// command the policy judges is always the plain interpreter call.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
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
import { z } from 'zod';
import type { Language } from './commands';
import { type CodeBotPolicyOptions, codeBotPolicy } from './policy';

/** What running something for a user came to. */
export type RunOutcome =
  | { kind: 'result'; result: ExecResult }
  | { kind: 'denied'; denial: PolicyDeniedData }
  /** The user already has `pending` runs queued or running (the per-user cap); nothing ran. */
  | { kind: 'busy'; pending: number };

/** Why a user's terminal and workspace were taken away. */
export type EvictionReason = 'idle' | 'lru';

/** Events of {@link SandboxRunner.events}. */
export interface SandboxRunnerEvents {
  /** A user's terminal was killed and their workspace deleted (idle too long, or room for another user). */
  evicted: [userId: string, reason: EvictionReason];
}

/** Options of {@link SandboxRunner.create}. */
export interface SandboxRunnerOptions extends CodeBotPolicyOptions {
  /** Largest output orchflow keeps per run before cutting the middle (default 256 KiB). */
  maxOutputBytes?: number;
  /** A user's terminal and files are dropped after this long without a run, ms (default 15 min). */
  idleMs?: number;
  /**
   * Most users with a live terminal at once (default 256). When a new user comes at the cap, the
   * least recently active user with nothing running is evicted to make room.
   */
  maxUsers?: number;
  /** Most runs one user may have running or waiting at once (1–10, default 2); more are refused. */
  maxPendingRuns?: number;
}

const SandboxRunnerOptionsSchema = z.object({
  maxOutputBytes: z.number().int().positive().optional(),
  // setTimeout's largest delay (about 24.8 days).
  idleMs: z.number().int().positive().max(2_147_483_647).optional(),
  maxUsers: z.number().int().min(1).max(4096).optional(),
  maxPendingRuns: z.number().int().min(1).max(10).optional(),
});

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
  // Runs each user has queued or running, for the per-user cap.
  private readonly pending = new Map<string, number>();
  // Users with a terminal, least recently active first (a Map keeps insertion order; a run re-inserts).
  private readonly recent = new Map<string, true>();
  private readonly idleTimers = new Map<string, NodeJS.Timeout>();
  // New terminals are admitted one at a time, so two newcomers at the cap do not pick the same victim.
  private admission: Promise<unknown> = Promise.resolve();
  /** `evicted` (userId, reason) after a user's terminal and workspace are gone. */
  readonly events = new EventEmitter<SandboxRunnerEvents>();

  private constructor(
    /** The orchestrator that owns every user's terminal. */
    readonly orchestrator: Orchestrator,
    /** Directory holding one workspace per user. */
    readonly root: string,
    private readonly limits: Required<Omit<SandboxRunnerOptions, keyof CodeBotPolicyOptions>>,
  ) {}

  /** Builds the orchestrator under the bot's policy; throws InvalidParams for bad options. */
  static create(options: SandboxRunnerOptions = {}): SandboxRunner {
    const checked = SandboxRunnerOptionsSchema.safeParse({
      maxOutputBytes: options.maxOutputBytes,
      idleMs: options.idleMs,
      maxUsers: options.maxUsers,
      maxPendingRuns: options.maxPendingRuns,
    });
    if (!checked.success) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `Invalid SandboxRunner options — ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}. Give idleMs in ms (up to 2^31-1), maxUsers 1–4096, maxPendingRuns 1–10.`,
      );
    }
    const limits = {
      maxOutputBytes: checked.data.maxOutputBytes ?? 256 * 1024,
      idleMs: checked.data.idleMs ?? 15 * 60_000,
      maxUsers: checked.data.maxUsers ?? 256,
      maxPendingRuns: checked.data.maxPendingRuns ?? 2,
    };
    const orchestrator = Orchestrator.builder()
      .withSecurityPolicy(codeBotPolicy(options))
      .withMaxTerminals(limits.maxUsers)
      .build();
    const root = mkdtempSync(join(tmpdir(), 'orchflow-codebot-'));
    // The sandbox runs as an unprivileged user who must be able to pass through to a workspace.
    chmodSync(root, 0o711);
    return new SandboxRunner(orchestrator, root, limits);
  }

  /** The agent id a user's terminal is spawned under. */
  static agentIdOf(userId: string): string {
    return `chat-${userId}`;
  }

  /** Writes `code` into the user's workspace and runs it with `language`'s interpreter. */
  runCode(userId: string, language: Language, code: string): Promise<RunOutcome> {
    const { file, line } = RUN_LINE[language];
    return this.userRun(userId, async () => {
      const terminal = await this.terminalOf(userId);
      writeFileSync(join(this.workspaceOf(userId), file), code.endsWith('\n') ? code : `${code}\n`);
      return this.execute(userId, terminal, line);
    });
  }

  /** Runs a command line in the user's terminal; the policy decides whether it may run. */
  runLine(userId: string, line: string): Promise<RunOutcome> {
    return this.userRun(userId, async () => this.execute(userId, await this.terminalOf(userId), line));
  }

  /** Kills the user's terminal and deletes their workspace; false when they had none. */
  reset(userId: string): Promise<boolean> {
    return this.serial(userId, () => this.drop(userId));
  }

  /** Users who have a terminal now, least recently active first. */
  activeUsers(): string[] {
    return [...this.recent.keys()];
  }

  /** Directory of a user's files (created on their first run). */
  workspaceOf(userId: string): string {
    // Hashed: a user id is platform data and must not choose a path.
    return join(this.root, createHash('sha256').update(userId).digest('hex').slice(0, 24));
  }

  /** Shuts the orchestrator down (every terminal's process tree dies) and deletes all workspaces. */
  async close(): Promise<void> {
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.idleTimers.clear();
    await this.orchestrator.shutdown();
    rmSync(this.root, { recursive: true, force: true });
  }

  private async execute(userId: string, terminal: TerminalHandle, line: string): Promise<RunOutcome> {
    try {
      return {
        kind: 'result',
        result: await terminal.execute(line, { maxOutputBytes: this.limits.maxOutputBytes }),
      };
    } catch (error) {
      const denial = policyDenial(error);
      if (denial) return { kind: 'denied', denial };
      // A shell that died (killed by the OOM killer, say) is replaced on the next run.
      if (
        isOrchflowError(error) &&
        (error.code === ErrorCode.TerminalExited || error.code === ErrorCode.TerminalNotFound)
      ) {
        this.forget(userId, undefined);
      }
      throw error;
    }
  }

  // Kills the user's terminal and deletes their workspace; run inside the user's queue.
  private async drop(userId: string): Promise<boolean> {
    const pending = this.terminals.get(userId);
    this.terminals.delete(userId);
    this.recent.delete(userId);
    clearTimeout(this.idleTimers.get(userId));
    this.idleTimers.delete(userId);
    // Kill first: nothing of the user's may still be writing while the workspace goes.
    const terminal = await pending?.catch(() => undefined);
    await terminal?.kill().catch(() => undefined);
    rmSync(this.workspaceOf(userId), { recursive: true, force: true });
    return pending !== undefined;
  }

  // Evicts a user between their runs (their queue orders it after anything already queued).
  private evict(userId: string, reason: EvictionReason): Promise<void> {
    return this.serial(userId, async () => {
      // A user who asked for a new run since the idle timer fired is not idle any more.
      if (reason === 'idle' && this.pending.has(userId)) return;
      if (await this.drop(userId)) this.events.emit('evicted', userId, reason);
    }).catch(() => undefined);
  }

  // A run the user asked for: refused when they already have maxPendingRuns queued or running;
  // afterwards the user's idle clock starts again.
  private userRun(userId: string, task: () => Promise<RunOutcome>): Promise<RunOutcome> {
    const pending = this.pending.get(userId) ?? 0;
    if (pending >= this.limits.maxPendingRuns) return Promise.resolve({ kind: 'busy', pending });
    this.pending.set(userId, pending + 1);
    clearTimeout(this.idleTimers.get(userId));
    this.idleTimers.delete(userId);
    return this.serial(userId, task).finally(() => {
      const left = (this.pending.get(userId) ?? 1) - 1;
      if (left > 0) this.pending.set(userId, left);
      else {
        this.pending.delete(userId);
        this.armIdle(userId);
      }
    });
  }

  private armIdle(userId: string): void {
    if (!this.terminals.has(userId) || this.orchestrator.isShutDown) return;
    const timer = setTimeout(() => {
      this.idleTimers.delete(userId);
      if (!this.pending.has(userId)) void this.evict(userId, 'idle');
    }, this.limits.idleMs);
    // An idle user must not keep the process alive.
    timer.unref();
    this.idleTimers.set(userId, timer);
  }

  // At the cap, the least recently active user with nothing queued makes room for a new one.
  private async makeRoom(forUser: string): Promise<void> {
    if (this.terminals.size < this.limits.maxUsers) return;
    const victim = [...this.recent.keys()].find(
      (u) => u !== forUser && this.terminals.has(u) && !this.pending.has(u),
    );
    if (victim === undefined) {
      throw new OrchflowError(
        ErrorCode.Overloaded,
        `All ${this.limits.maxUsers} terminals are busy running code; try again in a moment.`,
      );
    }
    await this.evict(victim, 'lru');
  }

  private async terminalOf(userId: string): Promise<TerminalHandle> {
    this.recent.delete(userId);
    this.recent.set(userId, true);
    const existing = this.terminals.get(userId);
    if (existing) return existing;
    const admitted = this.admission.then(async () => {
      await this.makeRoom(userId);
      const cwd = this.workspaceOf(userId);
      mkdirSync(cwd, { recursive: true, mode: 0o755 });
      const spawned = this.orchestrator.spawnTerminal(SandboxRunner.agentIdOf(userId), { cwd });
      spawned.catch(() => this.forget(userId, spawned));
      this.terminals.set(userId, spawned);
      return spawned;
    });
    this.admission = admitted.catch(() => undefined);
    try {
      return await admitted;
    } catch (error) {
      this.recent.delete(userId);
      throw error;
    }
  }

  // The user's terminal is gone (spawn failed, shell died): the next run starts a new one.
  private forget(userId: string, terminal: Promise<TerminalHandle> | undefined): void {
    if (terminal !== undefined && this.terminals.get(userId) !== terminal) return;
    this.terminals.delete(userId);
    this.recent.delete(userId);
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
