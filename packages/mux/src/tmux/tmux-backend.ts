// TmuxBackend: terminals as panes of a real tmux server on orchflow's own socket (`-L orchflow`),
// driven through one control-mode client. The shells outlive this process: a later backend with
// `adopt: true` finds them by their session metadata and drives them again, and a person can
// `tmux -L orchflow attach -t orchflow-<id>` to watch or type. Each session is a `Terminal` over a
// TmuxPane, so execute, streaming, snapshots and kill behave as with DirectBackend.
import { randomBytes } from 'node:crypto';
import { ErrorCode, type ExecutionMode, OrchflowError } from '@orchflow/protocol';
import { killProcessTree, Terminal, type TerminalSpawnOptions } from '@orchflow/terminal';
import { errnoCode, errnoOfDescription, resourceShortage } from '@orchflow/terminal/internal';
import type { MuxBackend } from '../backend';
import { type LaunchLevel, sandboxes } from '../sandboxed';
import {
  type BackendCapabilities,
  type CreateSessionOptions,
  type MuxSession,
  type MuxSessionInfo,
  sessionInfo,
} from '../session';
import { COULD_NOT_RUN, ControlClient, type ControlHandlers, TmuxCommandError } from './control-client';
import {
  captureScrollback,
  createPane,
  type FoundSession,
  findSessions,
  linkIntoHub,
  storeMeta,
} from './pane-factory';
import type { SessionMeta } from './session-meta';
import { TmuxPane } from './tmux-pane';
import { assertTmuxAvailable, writeTmuxConfig } from './tmux-setup';

/** Options of {@link TmuxBackend}. */
export interface TmuxBackendOptions {
  /** tmux socket name (`-L`). Default `orchflow` — never the user's default server. */
  socketName?: string;
  /** tmux socket path (`-S`); overrides `socketName`. */
  socketPath?: string;
  /** Take over the orchflow sessions already on the server (left by an earlier process). Default false. */
  adopt?: boolean;
  /** Lines of history tmux keeps per pane (a server this starts). Default 100 000. */
  historyLimit?: number;
  /** Time a shell gets to show its first prompt. Default: `Terminal.spawn`'s (10 s). */
  spawnTimeoutMs?: number;
}

type PtyFactory = NonNullable<TerminalSpawnOptions['spawnPty']>;

interface TmuxSession {
  terminal: Terminal;
  agentId: string;
  createdAt: Date;
}

// tmux has no pipes-only mode; `sandboxed` needs a sandboxing launch wrapper (see assertMode).
const MODES: readonly ExecutionMode[] = ['interactive'];
const ADVERTISED: readonly ExecutionMode[] = [...MODES, 'sandboxed'];
// Connecting to a server that is exiting is retried this often (see connectClient).
const CONNECT_ATTEMPTS = 5;
// Output held for a pane whose creation reply has not been processed yet (a few prompts' worth).
const MAX_EARLY_BYTES = 256 * 1024;

/** A backend of tmux panes whose shells survive this process and that people can attach to. */
export class TmuxBackend implements MuxBackend {
  /** Backend name reported in `TerminalInfo.backend`. */
  readonly name = 'tmux';
  /** The tmux version found at construction (`tmux 3.3a`). */
  readonly tmuxVersion: string;
  /** Arguments that select orchflow's tmux server (`-L orchflow`), for `tmux` commands of your own. */
  readonly socketArgs: readonly string[];
  private readonly sessions = new Map<string, TmuxSession>();
  private readonly starting = new Set<string>();
  private readonly panes = new Map<string, TmuxPane>();
  private readonly windows = new Map<string, TmuxPane>();
  private readonly early = new Map<string, Buffer[]>();
  private readonly hub = `orchflow-hub-${process.pid}-${randomBytes(3).toString('hex')}`;
  private client: Promise<ControlClient> | undefined;
  private disposed: Promise<void> | undefined;

  /** Checks tmux (≥ 3.2, else SpawnFailed); connects on first use. */
  constructor(private readonly options: TmuxBackendOptions = {}) {
    this.tmuxVersion = assertTmuxAvailable();
    this.socketArgs = options.socketPath
      ? ['-S', options.socketPath]
      : ['-L', options.socketName ?? 'orchflow'];
  }

  /** Sessions persist and can be attached to with `tmux attach`. */
  capabilities(): BackendCapabilities {
    return { persistentSessions: true, humanAttach: true, executionModes: ADVERTISED };
  }

  /** Starts a shell in a new tmux session; see {@link MuxBackend.createSession}. */
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
    const client = await this.connection();
    if (this.sessions.has(id) || this.starting.has(id)) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `A session with id '${id}' already exists; pick another id`,
      );
    }
    this.starting.add(id);
    const createdAt = new Date();
    let shellState: Pick<SessionMeta, 'nonce' | 'dir'> | undefined;
    const spawnPty: PtyFactory = async (request) => {
      shellState = { nonce: request.nonce, dir: request.dir };
      // As a SpawnFailed of its own: Terminal.spawn passes that on, where it would wrap tmux's words.
      const ids = await createPane(client, this.hub, request, id).catch((error: unknown) => {
        throw tmuxError(error);
      });
      return this.track(client, ids);
    };
    let terminal: Terminal;
    try {
      terminal = await Terminal.spawn({
        ...config,
        id,
        asGiven,
        launch,
        redaction,
        spawnPty,
        spawnTimeoutMs: this.options.spawnTimeoutMs,
      });
    } catch (error) {
      throw tmuxError(error);
    } finally {
      this.starting.delete(id);
    }
    if (shellState) {
      // Stored once the shell is ready: a session without it is never adopted half-started.
      const meta: SessionMeta = {
        id,
        agentId,
        config,
        ...shellState,
        shellPath: terminal.shell,
        kind: terminal.shellKind,
        createdAt: createdAt.toISOString(),
      };
      await storeMeta(client, meta).catch(() => undefined);
    }
    if (this.disposed) {
      await terminal.kill();
      this.assertUsable();
    }
    this.register(id, terminal, agentId, createdAt);
    return terminal;
  }

  /** The live session with this id (created or adopted here); rejects with TerminalNotFound. */
  async attach(sessionId: string): Promise<MuxSession> {
    await this.connection();
    return this.get(sessionId).terminal;
  }

  /** Live sessions, oldest first; with `adopt`, including the ones found on the server. */
  async listSessions(): Promise<MuxSessionInfo[]> {
    if (!this.disposed) await this.connection();
    return [...this.sessions.values()]
      .filter(({ terminal }) => terminal.exitInfo === undefined)
      .map((session) => sessionInfo(this.name, session));
  }

  /** Kills the session's process tree; see {@link MuxBackend.killSession}. */
  async killSession(sessionId: string, signal?: NodeJS.Signals): Promise<void> {
    await this.get(sessionId).terminal.kill(signal);
  }

  /** Kills every session, disconnects and refuses new sessions; idempotent. */
  dispose(): Promise<void> {
    this.disposed ??= (async () => {
      await Promise.all(
        [...this.sessions.values()].map(({ terminal }) => terminal.kill().catch(() => undefined)),
      );
      await this.closeClient();
    })();
    return this.disposed;
  }

  /**
   * Disconnects and leaves every session running for a later `adopt: true` backend (an upgrade
   * hand-over). The Terminals of this process stop receiving output and never report an exit.
   */
  detach(): Promise<void> {
    this.disposed ??= this.closeClient();
    return this.disposed;
  }

  private async closeClient(): Promise<void> {
    const client = await this.client?.catch(() => undefined);
    this.panes.clear();
    await client?.close();
  }

  private connection(): Promise<ControlClient> {
    if (this.client) return this.client;
    const connecting = this.connectClient().then(async (client) => {
      if (this.options.adopt) await this.adoptAll(client);
      return client;
    });
    this.client = connecting.catch((error: unknown) => {
      this.client = undefined;
      throw tmuxError(error);
    });
    return this.client;
  }

  private async connectClient(): Promise<ControlClient> {
    const options = {
      socketArgs: [...this.socketArgs],
      configPath: writeTmuxConfig(this.options.historyLimit ?? 100_000),
      hubSession: this.hub,
    };
    const handlers: ControlHandlers = {
      output: (paneId, bytes) => this.onOutput(paneId, bytes),
      windowRenamed: (windowId, name) => this.windows.get(windowId)?.renamed(name),
      windowClosed: (windowId) => this.windows.get(windowId)?.windowClosed(),
      paneState: (paneId, value) => this.panes.get(paneId)?.stateChanged(value),
      closed: () => this.onClosed(),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        return await ControlClient.connect(options, handlers);
      } catch (error) {
        // A server whose last session just closed is exiting and drops a client that reaches it
        // meanwhile ("server exited unexpectedly"); once it is gone, tmux starts a fresh one.
        const exiting =
          error instanceof Error && /server exited unexpectedly|lost server/.test(error.message);
        if (!exiting || attempt >= CONNECT_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  }

  private async adoptAll(client: ControlClient): Promise<void> {
    for (const found of await findSessions(client)) {
      if (this.sessions.has(found.meta.id)) continue;
      if (found.dead) {
        // Its shell ended while no orchestrator watched: nothing left to drive.
        await client.command(`kill-window -t ${found.ids.windowId}`).catch(() => undefined);
        continue;
      }
      await this.adopt(client, found).catch(() => undefined);
    }
  }

  private async adopt(client: ControlClient, found: FoundSession): Promise<void> {
    const { meta, ids } = found;
    // Link first, then capture: a byte may then arrive twice, but none is lost.
    await linkIntoHub(client, this.hub, ids.windowId);
    const replay = await captureScrollback(client, ids.paneId);
    const pane = this.track(client, ids);
    const terminal = Terminal.resume({
      id: meta.id,
      config: meta.config,
      shellPath: meta.shellPath,
      kind: meta.kind,
      pty: pane,
      shell: { nonce: meta.nonce, dir: meta.dir, cwd: found.cwd || meta.config.cwd || process.cwd(), replay },
    });
    this.register(meta.id, terminal, meta.agentId, new Date(meta.createdAt));
  }

  private track(client: ControlClient, ids: TmuxPane['ids']): TmuxPane {
    const pane = new TmuxPane(client, ids, (gone) => {
      this.panes.delete(gone.ids.paneId);
      this.windows.delete(gone.ids.windowId);
    });
    this.panes.set(ids.paneId, pane);
    this.windows.set(ids.windowId, pane);
    for (const bytes of this.early.get(ids.paneId) ?? []) pane.deliver(bytes);
    this.early.delete(ids.paneId);
    return pane;
  }

  private register(id: string, terminal: Terminal, agentId: string, createdAt: Date): void {
    this.sessions.set(id, { terminal, agentId, createdAt });
    terminal.onExit(() => this.sessions.delete(id));
  }

  private onOutput(paneId: string, bytes: Buffer): void {
    const pane = this.panes.get(paneId);
    if (pane) {
      pane.deliver(bytes);
      return;
    }
    // The pane's creation reply may still be on its way: keep a little of its output for it.
    const held = this.early.get(paneId) ?? [];
    if (held.reduce((n, b) => n + b.length, 0) + bytes.length <= MAX_EARLY_BYTES)
      held.push(Buffer.from(bytes));
    this.early.set(paneId, held);
  }

  private onClosed(): void {
    this.client = undefined;
    this.early.clear();
    const live = [...this.panes.values()];
    this.panes.clear();
    if (this.disposed) return;
    // The server is gone (killed from outside, say): tmux hung up on every shell; make sure they
    // are gone and report each terminal's end instead of leaving callers waiting.
    for (const pane of live) {
      void killProcessTree(pane.pid, { graceMs: 500 })
        .catch(() => undefined)
        .then(() => pane.died({ exitCode: null, signal: 'SIGHUP' }));
    }
  }

  private get(sessionId: string): TmuxSession {
    const session = this.sessions.get(sessionId);
    if (!session || session.terminal.exitInfo) {
      throw new OrchflowError(
        ErrorCode.TerminalNotFound,
        `No live session '${sessionId}' in the tmux backend; it was never created here, was not adopted, or has exited`,
        { sessionId },
      );
    }
    return session;
  }

  private assertUsable(): void {
    if (this.disposed) {
      throw new OrchflowError(ErrorCode.InvalidState, 'TmuxBackend has been disposed; create a new backend');
    }
  }
}

/** Refuses modes tmux cannot provide: it runs PTYs only (no pipes-only `scripted` mode). */
function assertMode(mode: ExecutionMode, level: LaunchLevel): void {
  if (MODES.includes(mode) || (mode === 'sandboxed' && sandboxes(level))) return;
  const fix =
    mode === 'scripted'
      ? 'scripted mode runs without a PTY, so it has nothing to show in tmux; use DirectBackend for it'
      : mode === 'sandboxed'
        ? `its launch wrapper isolates at level '${level ?? 'none'}'; spawn it through an Orchestrator (which sandboxes every 'sandboxed' terminal with bubblewrap) or pass a launch wrapper of level 'sandbox' or 'container'`
        : "run with 'interactive' under a SecurityPolicy instead";
  throw new OrchflowError(
    ErrorCode.InvalidParams,
    `TmuxBackend cannot provide execution mode '${mode}': ${fix}`,
    {
      mode,
      backend: 'tmux',
    },
  );
}

/**
 * A failure talking to tmux as an OrchflowError(SpawnFailed) that says what failed and what to
 * do. Not tmux's own words: a SpawnFailed reaches remote clients unchanged, and tmux names its
 * socket's path (`error connecting to /run/user/1000/tmux-1000/orchflow (Permission denied)`);
 * what tmux said stays the error's `cause` for an in-process caller.
 */
function tmuxError(error: unknown): unknown {
  if (error instanceof OrchflowError) return error;
  return new OrchflowError(ErrorCode.SpawnFailed, `tmux failed: ${tmuxFailure(error)}`, undefined, {
    cause: error,
  });
}

function tmuxFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (!(error instanceof TmuxCommandError)) {
    // This process's own file-system error: the tmux config in the server's temp directory.
    const code = (error as NodeJS.ErrnoException).syscall ? errnoCode(error) : undefined;
    if (code) {
      return (
        resourceShortage(code) ??
        `orchflow's tmux configuration could not be written to the server's temp directory (${code}); start the server with TMPDIR set to a writable directory`
      );
    }
    return `an unexpected error in orchflow's tmux backend (${error instanceof Error ? error.name : typeof error}); retry, and if it keeps failing, tell the server's operator`;
  }
  if (message.startsWith(COULD_NOT_RUN)) {
    return `tmux could not be run on the server (${errnoCode(message) ?? 'an unexpected error'}); install tmux there, or use DirectBackend`;
  }
  if (/server exited unexpectedly|lost server/.test(message)) {
    return 'the tmux server exited unexpectedly; retry: the next terminal starts a new one';
  }
  // tmux quotes the OS error's text last: `couldn't create directory /tmp/x/tmux-0 (Not a directory)`.
  const code = errnoOfDescription(/\(([^()]+)\)\s*$/.exec(message)?.[1] ?? '');
  const shortage = resourceShortage(code);
  if (shortage) return shortage;
  if (code && /^(error connecting to|couldn't create directory|no server running)/.test(message)) {
    return `its socket on the server cannot be used (${code}); the server's operator points the backend's socket (socketPath, or socketName under TMUX_TMPDIR) at a directory the server's user may write, or removes a stale socket there`;
  }
  return `tmux reported ${code ? `an error (${code})` : 'an error'}, not shown here as it may name the server's paths; retry, and if it keeps failing, the server's operator runs tmux with the backend's socket on the server to see it`;
}
