// The contract between the orchestrator and whatever runs its terminals. Kept small so a tmux
// backend (sessions on their own tmux server that outlive the orchestrator and are re-adopted
// with `listSessions` + `attach`) and a container backend fit without changes to core.
import type { BackendCapabilities, CreateSessionOptions, MuxSession, MuxSessionInfo } from './session';

/** Runs terminal sessions: plain PTYs, tmux panes, containers. */
export interface MuxBackend {
  /** Short backend name reported in `TerminalInfo.backend`, e.g. `direct` or `tmux`. */
  readonly name: string;
  /** What this backend supports. */
  capabilities(): BackendCapabilities;
  /**
   * Starts a session and resolves once its shell is ready for commands. Rejects with
   * InvalidParams for a duplicate id, SpawnFailed when it cannot start, InvalidState once disposed.
   */
  createSession(options: CreateSessionOptions): Promise<MuxSession>;
  /** A live handle to an existing session; rejects with TerminalNotFound for an unknown id. */
  attach(sessionId: string): Promise<MuxSession>;
  /** The live sessions this backend runs, including ones created by an earlier process if persistent. */
  listSessions(): Promise<MuxSessionInfo[]>;
  /**
   * Kills a session's whole process tree (`signal` first, then SIGKILL) and resolves once it has
   * exited; rejects with TerminalNotFound for an unknown id.
   */
  killSession(sessionId: string, signal?: NodeJS.Signals): Promise<void>;
  /**
   * Releases the backend; idempotent. DirectBackend kills every session (nothing of it may outlive
   * the process); a persistent backend may leave its sessions running for a later process to adopt.
   */
  dispose(): Promise<void>;
}
