// DirectBackend: sessions are `@orchflow/terminal` terminals in this process. Nothing outlives
// the process, so `attach` only returns sessions this backend created, and `dispose` kills them.
// It runs plain PTYs (or pipes in scripted mode) as the orchestrator's user: it isolates nothing
// itself, so `sandboxed` needs a launch wrapper at the `sandbox` isolation level or stronger
// (bubblewrap or a container; core builds one for every sandboxed terminal).
import { ErrorCode, type ExecutionMode, OrchflowError } from '@orchflow/protocol';
import { Terminal } from '@orchflow/terminal';
import type { MuxBackend } from './backend';
import { type LaunchLevel, sandboxes } from './sandboxed';
import {
  type BackendCapabilities,
  type CreateSessionOptions,
  type MuxSession,
  type MuxSessionInfo,
  sessionInfo,
} from './session';

/** Options of {@link DirectBackend}. */
export interface DirectBackendOptions {
  /** Time a shell gets to show its first prompt. Default: `Terminal.spawn`'s (10 s). */
  spawnTimeoutMs?: number;
}

interface DirectSession {
  terminal: Terminal;
  agentId: string;
  /** Ms since the epoch: a number takes a tenth of a Date's heap, kept per session. */
  createdAt: number;
}

// What it runs by itself; `sandboxed` is accepted only with a sandboxing launch wrapper (see assertMode).
const MODES: readonly ExecutionMode[] = ['interactive', 'scripted'];
const ADVERTISED: readonly ExecutionMode[] = [...MODES, 'sandboxed'];

/** A backend of plain PTYs (or pipes in scripted mode) owned by this process. */
export class DirectBackend implements MuxBackend {
  /** Backend name reported in `TerminalInfo.backend`. */
  readonly name = 'direct';
  private readonly sessions = new Map<string, DirectSession>();
  // Ids being spawned, so a concurrent duplicate id is refused before either spawn finishes.
  private readonly starting = new Set<string>();
  private disposed: Promise<void> | undefined;

  /** A backend with no sessions. */
  constructor(private readonly options: DirectBackendOptions = {}) {}

  /** Direct sessions end with the process and cannot be attached to from outside it. */
  capabilities(): BackendCapabilities {
    return { persistentSessions: false, humanAttach: false, executionModes: ADVERTISED };
  }

  /** Spawns a terminal; see {@link MuxBackend.createSession}. */
  async createSession({
    id,
    agentId,
    config = {},
    asGiven,
    launch,
    redaction,
  }: CreateSessionOptions): Promise<MuxSession> {
    this.assertUsable();
    assertMode(config.mode ?? 'interactive', launch?.level);
    if (this.sessions.has(id) || this.starting.has(id)) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `A session with id '${id}' already exists; pick another id`,
      );
    }
    this.starting.add(id);
    let terminal: Terminal;
    try {
      terminal = await Terminal.spawn({
        ...config,
        id,
        asGiven,
        launch,
        redaction,
        spawnTimeoutMs: this.options.spawnTimeoutMs,
      });
    } finally {
      this.starting.delete(id);
    }
    if (this.disposed) {
      // Disposed while the shell was starting: it must not outlive the backend.
      await terminal.kill();
      this.assertUsable();
    }
    this.sessions.set(id, { terminal, agentId, createdAt: Date.now() });
    terminal.onExit(this.forgetter(id));
    return terminal;
  }

  // Made here, not in createSession: a closure there would keep its scopes alive with the session.
  private forgetter(id: string): () => void {
    return () => this.sessions.delete(id);
  }

  /** The live session with this id; rejects with TerminalNotFound. */
  async attach(sessionId: string): Promise<MuxSession> {
    return this.get(sessionId).terminal;
  }

  /** Live sessions, oldest first. */
  async listSessions(): Promise<MuxSessionInfo[]> {
    return [...this.sessions.values()].map(({ terminal, agentId, createdAt }) =>
      sessionInfo(this.name, { terminal, agentId, createdAt: new Date(createdAt) }),
    );
  }

  /** Kills the session's process tree; see {@link MuxBackend.killSession}. */
  async killSession(sessionId: string, signal?: NodeJS.Signals): Promise<void> {
    await this.get(sessionId).terminal.kill(signal);
  }

  /** Kills every session and refuses new ones; idempotent. */
  dispose(): Promise<void> {
    this.disposed ??= Promise.all(
      [...this.sessions.values()].map(({ terminal }) => terminal.kill().catch(() => undefined)),
    ).then(() => undefined);
    return this.disposed;
  }

  private get(sessionId: string): DirectSession {
    const session = this.sessions.get(sessionId);
    if (!session) {
      throw new OrchflowError(
        ErrorCode.TerminalNotFound,
        `No live session '${sessionId}' in the direct backend; it was never created or has exited`,
        { sessionId },
      );
    }
    return session;
  }

  private assertUsable(): void {
    if (this.disposed) {
      throw new OrchflowError(
        ErrorCode.InvalidState,
        'DirectBackend has been disposed; create a new backend',
      );
    }
  }
}

/** Refuses modes this backend would only pretend to run; see the module header. */
function assertMode(mode: ExecutionMode, level: LaunchLevel): void {
  if (MODES.includes(mode) || (mode === 'sandboxed' && sandboxes(level))) return;
  const fix =
    mode === 'sandboxed'
      ? `its launch wrapper isolates at level '${level ?? 'none'}'; spawn it through an Orchestrator (which sandboxes every 'sandboxed' terminal with bubblewrap) or pass a launch wrapper of level 'sandbox' or 'container'`
      : "run with 'interactive' or 'scripted' under a SecurityPolicy instead";
  throw new OrchflowError(
    ErrorCode.InvalidParams,
    `DirectBackend runs plain PTYs and cannot provide execution mode '${mode}': ${fix}`,
    { mode, backend: 'direct', isolation: level ?? 'none' },
  );
}
