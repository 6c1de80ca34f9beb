// A tmux pane as a `PtyProcess`, so `Terminal` and its shell-integration engine run over tmux
// unchanged: output comes from the control client's `%output` for the pane, input goes out as
// `send-keys -H`, resize is `resize-window`, the pane is never paused (see pause()), and the exit comes
// from the window's automatic-rename format turning to `orchflow-dead:<status>:<signal>`.
import type { ExitInfo } from '@orchflow/protocol';
import type { ControlClient } from './control-client';
import { quoteArg } from './control-codec';
import { nudgeReaper, readZombieExit, signalName } from './zombie-exit';

/** Prefix of a dead pane's window name; see the backend's tmux config. */
export const DEAD_NAME_PREFIX = 'orchflow-dead:';

// 1 s: tmux may name the window before it has reaped the shell; it renames it once more when it
// has. Past this, the status is asked for directly.
const STATUS_GRACE_MS = 1_000;
const STATUS_ATTEMPTS = 3;
// A shell hung up on by a closed window is looked for as a zombie this often, this far apart.
const HANGUP_POLLS = 10;
const HANGUP_POLL_MS = 50;

/** Where a pane lives in tmux. */
export interface PaneIds {
  paneId: string;
  windowId: string;
  pid: number;
}

/** The exit a dead-pane window name describes, or undefined when tmux has no status yet. */
export function parseDeadName(name: string): ExitInfo | undefined {
  if (!name.startsWith(DEAD_NAME_PREFIX)) return undefined;
  const [status = '', signal = ''] = name.slice(DEAD_NAME_PREFIX.length).split(':');
  if (/^\d+$/.test(signal)) return { exitCode: null, signal: signalName(Number(signal)) };
  if (/^\d+$/.test(status)) return { exitCode: Number(status), signal: null };
  return undefined;
}

/** One pane driven through the backend's control client. */
export class TmuxPane {
  /** Pid of the pane's process (the shell). */
  readonly pid: number;
  /** People attached with `tmux attach` type into the same pane. */
  readonly sharedInput = true;
  /** tmux cannot hold one pane's output back for this client without discarding it. */
  readonly pausable = false;
  private dataListener: ((bytes: Uint8Array) => void) | undefined;
  private exitListener: ((info: ExitInfo) => void) | undefined;
  // Output that arrived before Terminal registered its listener (its first prompt, say).
  private early: Buffer[] = [];
  private exit: ExitInfo | undefined;
  private dying: NodeJS.Timeout | undefined;

  /** A pane `ids` reachable through `client`; `onGone` runs once it has exited. */
  constructor(
    private readonly client: ControlClient,
    readonly ids: PaneIds,
    private readonly onGone: (pane: TmuxPane) => void,
  ) {
    this.pid = ids.pid;
  }

  /** True once the pane's exit was reported. */
  get exited(): boolean {
    return this.exit !== undefined;
  }

  /** Sends keystrokes, byte-exact. */
  write(data: string | Uint8Array): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (bytes.length > 0 && !this.exit)
      void this.client.sendKeys(this.ids.paneId, bytes).catch(() => undefined);
  }

  /** Resizes the pane's window (tmux marks it manually sized, so clients do not fight over it). */
  resize(cols: number, rows: number): void {
    void this.client
      .command(`resize-window -t ${this.ids.windowId} -x ${cols} -y ${rows}`)
      .catch(() => undefined);
  }

  /**
   * Never called: the pane is not pausable. Switching a pane `off` for this client makes tmux
   * discard its output meanwhile (and toggling it under a flood crashes tmux 3.3). A pane is held
   * back losslessly only when the whole client lags: tmux then stops reading the pane's pty.
   */
  pause(): void {}

  /** Never called; see pause(). */
  resume(): void {}

  /** Registers the output receiver and hands it what arrived before. */
  onData(listener: (bytes: Uint8Array) => void): void {
    this.dataListener = listener;
    for (const bytes of this.early.splice(0)) listener(bytes);
  }

  /** Registers the exit listener. */
  onExit(listener: (info: ExitInfo) => void): void {
    this.exitListener = listener;
    if (this.exit) queueMicrotask(() => listener(this.exit as ExitInfo));
  }

  /** Output for this pane from the control client. */
  deliver(bytes: Buffer): void {
    if (this.dataListener) this.dataListener(bytes);
    else this.early.push(bytes);
  }

  /** The pane's window was renamed; a dead-pane name ends it. */
  renamed(name: string): void {
    if (this.exit || !name.startsWith(DEAD_NAME_PREFIX)) return;
    // Dead without a status: tmux has not reaped the shell (yet, or it missed the SIGCHLD; see
    // zombie-exit.ts). The zombie still tells how it ended.
    const info = parseDeadName(name) ?? this.zombieStatus();
    if (info) this.died(info);
    else this.dying ??= setTimeout(() => void this.askStatus(), STATUS_GRACE_MS);
  }

  /** The pane's dead-state subscription changed: `<status>:<signal>` once it is dead. */
  stateChanged(value: string): void {
    if (value !== '') this.renamed(`${DEAD_NAME_PREFIX}${value}`);
  }

  /**
   * The pane's window left the hub: killed from outside (`tmux kill-window`), or only unlinked.
   * If the pane is really gone its shell was hung up on; its exit is whatever its zombie says.
   */
  windowClosed(): void {
    if (this.exit) return;
    // tmux answers an empty line, not an error, for a pane that no longer exists.
    const format = quoteArg('#{pane_id}');
    void this.client
      .command(`display-message -p -t ${this.ids.paneId} ${format}`)
      .catch(() => undefined)
      .then((lines) => {
        // No answer because this client ended (detach, dispose) says nothing of the pane.
        const gone = lines ? lines[0] !== this.ids.paneId : this.client.closedReason === undefined;
        if (gone) void this.diedHungUp();
      });
  }

  /** Ends the pane with `info` (also used when the tmux server went away). */
  died(info: ExitInfo): void {
    if (this.exit) return;
    clearTimeout(this.dying);
    this.exit = info;
    // The window stayed only so its exit status could be read (remain-on-exit); now it can go.
    void this.client.command(`kill-window -t ${this.ids.windowId}`).catch(() => undefined);
    this.onGone(this);
    this.exitListener?.(info);
  }

  private async askStatus(attempt = 1): Promise<void> {
    if (this.exit) return;
    const format = quoteArg(`${DEAD_NAME_PREFIX}#{pane_dead_status}:#{pane_dead_signal}`);
    const lines = await this.client
      .command(`display-message -p -t ${this.ids.paneId} ${format}`)
      .catch(() => [] as string[]);
    const info = parseDeadName(lines[0] ?? '') ?? this.zombieStatus();
    if (info || attempt >= STATUS_ATTEMPTS) this.died(info ?? { exitCode: null, signal: null });
    else this.dying = setTimeout(() => void this.askStatus(attempt + 1), STATUS_GRACE_MS);
  }

  // tmux hung up on the shell as it destroyed the pane; its status shows once it is a zombie,
  // unless tmux reaps it first (then it stays unknown).
  private async diedHungUp(): Promise<void> {
    for (let attempt = 0; attempt < HANGUP_POLLS && !this.exit; attempt++) {
      const info = this.zombieStatus();
      if (info) return this.died(info);
      await new Promise((resolve) => setTimeout(resolve, HANGUP_POLL_MS));
    }
    this.died({ exitCode: null, signal: null });
  }

  private zombieStatus(): ExitInfo | undefined {
    const info = readZombieExit(this.pid, this.client.serverPid);
    // tmux keeps the zombie until it reaps it; make it look.
    if (info) nudgeReaper(this.client.serverPid);
    return info;
  }
}
