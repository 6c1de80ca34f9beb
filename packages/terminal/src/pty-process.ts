// The process side a PTY terminal runs its shell in, as a small interface: node-pty in this
// process (the default), or something else that behaves like a PTY — a tmux pane driven over
// control mode, say. Terminal, the shell-integration session and the output pipeline only talk
// to a shell through this.
import type { ExitInfo } from '@orchflow/protocol';

/** A running shell behind a pseudo-terminal. */
export interface PtyProcess {
  /** Pid of the process the PTY started (the shell, or its launch wrapper). */
  readonly pid: number;
  /** Sends input bytes (keystrokes) to the terminal. */
  write(data: string | Uint8Array): void;
  /** Changes the terminal size; the foreground program gets SIGWINCH. */
  resize(cols: number, rows: number): void;
  /** Stops delivering output; the program blocks once the terminal's buffers fill. */
  pause(): void;
  /** Resumes delivering output after pause(). */
  resume(): void;
  /** Registers the receiver of output bytes. */
  onData(listener: (bytes: Uint8Array) => void): void;
  /** Registers the exit listener; it fires once, after the last output byte was delivered. */
  onExit(listener: (info: ExitInfo) => void): void;
  /**
   * Others may type into this terminal too (a person attached to a tmux pane): each command line
   * is then preceded by the line-kill key, so half-typed input is dropped instead of prefixed to it.
   */
  readonly sharedInput?: boolean;
  /**
   * False when pause() cannot hold output back without losing it (a tmux pane: tmux discards what
   * a client switched off, and toggling it under load can crash tmux 3.3). Terminal then never
   * pauses it: a slow flow-controlled subscriber falls behind in the ring and gets a gap instead,
   * and `Terminal.pause()` is refused. Default true.
   */
  readonly pausable?: boolean;
}

/** What a {@link PtyFactory} is asked to start. */
export interface PtySpawnRequest {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  cols: number;
  rows: number;
  /**
   * The terminal's shell-integration key, for a backend that stores it to re-adopt the shell. A
   * secret: it must not reach the shell's argv, environment or any file its programs can read.
   */
  nonce: string;
  /** The terminal's private shell-integration directory (rc file, long command texts). */
  dir: string;
}

/** Starts a shell behind a PTY; throws (or rejects) when it cannot. */
export type PtyFactory = (request: PtySpawnRequest) => PtyProcess | Promise<PtyProcess>;
