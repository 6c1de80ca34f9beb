// One tmux control-mode client (`tmux -C`) per backend: a single child process multiplexing every
// pane. Commands go to its stdin one per line and their replies come back, in order, as
// `%begin … %end`/`%error` blocks; between blocks tmux sends notifications (`%output`,
// `%extended-output`, `%window-renamed`, `%window-close`, `%exit`), which are dispatched to handlers.
// Nothing here polls: the client sleeps in the event loop until tmux has something to say.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { withoutInheritedFds } from '@orchflow/terminal';
import { decodeOutputValue, LineSplitter, quoteArg, sendKeysHexChunks } from './control-codec';

/** What a control client reports. */
export interface ControlHandlers {
  /** Bytes a pane printed. */
  output(paneId: string, bytes: Buffer): void;
  /** A window was renamed (the backend's automatic-rename format reports pane deaths this way). */
  windowRenamed(windowId: string, name: string): void;
  /** A window was closed, or left the hub session (it may live on elsewhere). */
  windowClosed(windowId: string): void;
  /** A pane's dead-state subscription changed to `value` (`<status>:<signal>` once dead). */
  paneState(paneId: string, value: string): void;
  /** The control client ended: tmux exited, was killed, or the connection was closed. */
  closed(reason: string): void;
}

/** How to reach the tmux server. */
export interface ControlConnectOptions {
  /** `-L name` or `-S path` arguments. */
  socketArgs: string[];
  /** Config file for a server this starts (`-f`). */
  configPath: string;
  /** Name of the hub session the client attaches to (created by it). */
  hubSession: string;
}

/** How a TmuxCommandError starts when tmux itself could not be run (the rest is the OS error). */
export const COULD_NOT_RUN = 'could not run tmux: ';

/** A tmux command that failed; the message is tmux's. */
export class TmuxCommandError extends Error {
  override name = 'TmuxCommandError';
}

interface Pending {
  resolve(lines: string[]): void;
  reject(error: Error): void;
}

/** Subscription name and format that report a pane's death as `<status>:<signal>`. */
const DEAD_SUBSCRIPTION = 'orchflow-dead';
const DEAD_FORMAT = '#{?pane_dead,#{pane_dead_status}:#{pane_dead_signal},}';
const OUTPUT = Buffer.from('%output ');
const EXTENDED = Buffer.from('%extended-output ');
// 2 KiB of input per `send-keys -H` line (6 KiB of text): few lines, none of them huge.
const SEND_CHUNK_BYTES = 2048;

/** A connected control-mode client. */
export class ControlClient {
  private readonly pending: Pending[] = [];
  private block: { lines: string[]; tag: string } | undefined;
  private ended: string | undefined;
  private stderr = '';
  private tmuxServerPid = 0;
  private connected = false;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly handlers: ControlHandlers,
  ) {}

  /** Starts `tmux -C` (and the server, if none runs) attached to a new hub session. */
  static async connect(options: ControlConnectOptions, handlers: ControlHandlers): Promise<ControlClient> {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
    delete env.TMUX; // tmux refuses to nest when it thinks it runs inside itself
    // Through the launcher: the tmux server this may start must not inherit (and keep open) the
    // PTY masters of this process's other terminals.
    const run = withoutInheritedFds({
      file: 'tmux',
      args: [
        ...options.socketArgs,
        '-f',
        options.configPath,
        '-C',
        'new-session',
        '-s',
        options.hubSession,
        '-x',
        '80',
        '-y',
        '24',
        // The hub's own window only has to exist; `cat` waits on its tty without using CPU.
        'cat',
      ],
      env,
    });
    const child = spawn(run.file, run.args, { env: run.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const client = new ControlClient(child, handlers);
    const started = new Promise<string[]>((resolve, reject) => client.pending.push({ resolve, reject }));
    client.listen();
    try {
      await started;
      // Without a client the hub has no purpose: tmux removes it when this client goes away.
      await client.command(`set-option -t ${quoteArg(options.hubSession)} destroy-unattached on`);
      // tmux 3.3 queues notifications raised from its own timers (the automatic rename that reports
      // a pane's death) until its loop next wakes; the hub's status timer wakes it every second.
      await client.command(`set-option -t ${quoteArg(options.hubSession)} status-interval 1`);
      // The automatic rename only runs for a pane that printed something since its last check; a
      // shell killed while silent is seen by this subscription (tmux checks it once a second).
      await client.command(`refresh-client -B ${quoteArg(`${DEAD_SUBSCRIPTION}:%*:${DEAD_FORMAT}`)}`);
      const [serverPid = ''] = await client.command(`display-message -p ${quoteArg('#{pid}')}`);
      client.tmuxServerPid = Number(serverPid) || 0;
      // It may have ended right after the last reply, before this line ran.
      if (client.ended !== undefined) throw new TmuxCommandError(client.ended);
    } catch (error) {
      // Half set up is not usable: end it (its failure is this rejection, not a `closed` report).
      child.kill();
      throw error;
    }
    client.connected = true;
    return client;
  }

  /** Pid of the `tmux -C` child. */
  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** Pid of the tmux server (0 if tmux did not say). */
  get serverPid(): number {
    return this.tmuxServerPid;
  }

  /** Why the client ended, or undefined while connected. */
  get closedReason(): string | undefined {
    return this.ended;
  }

  /** Runs one command line; resolves with its output lines, rejects with TmuxCommandError. */
  command(line: string): Promise<string[]> {
    if (this.ended !== undefined) {
      return Promise.reject(new TmuxCommandError(`tmux control client has ended: ${this.ended}`));
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.child.stdin.write(`${line}\n`);
    });
  }

  /** Types `bytes` into a pane exactly (hex keys, in a few command lines; no process per write). */
  sendKeys(paneId: string, bytes: Uint8Array): Promise<void> {
    const sends = sendKeysHexChunks(bytes, SEND_CHUNK_BYTES).map((hex) =>
      this.command(`send-keys -t ${paneId} -H ${hex}`),
    );
    return Promise.all(sends).then(() => undefined);
  }

  /** Detaches: the client exits, tmux drops the hub session, every other session keeps running. */
  async close(): Promise<void> {
    if (this.ended !== undefined) return;
    const exited = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
    this.child.stdin.end();
    await exited;
  }

  private listen(): void {
    const splitter = new LineSplitter();
    this.child.stdout.on('data', (chunk: Buffer) => {
      for (const line of splitter.feed(chunk)) this.onLine(line);
    });
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-2000);
    });
    this.child.stdin.on('error', () => undefined); // EPIPE after tmux died: reported by 'close'
    this.child.on('error', (error) => this.finish(`${COULD_NOT_RUN}${error.message}`));
    this.child.on('close', (code, signal) => {
      const why = this.stderr.trim() || `tmux exited (${signal ?? `code ${code}`})`;
      this.finish(why);
    });
  }

  private onLine(line: Buffer): void {
    if (this.block) {
      const text = line.toString('utf8');
      // The guard line repeats %begin's time, number and flags, so output cannot fake it.
      const { lines, tag } = this.block;
      if (text === `%end ${tag}` || text === `%error ${tag}`) {
        this.block = undefined;
        const waiter = this.pending.shift();
        if (text.startsWith('%error ')) waiter?.reject(new TmuxCommandError(lines.join('\n')));
        else waiter?.resolve(lines);
      } else {
        this.block.lines.push(text);
      }
      return;
    }
    if (line.subarray(0, OUTPUT.length).equals(OUTPUT)) {
      const space = line.indexOf(0x20, OUTPUT.length);
      if (space > 0)
        this.handlers.output(
          line.toString('latin1', OUTPUT.length, space),
          decodeOutputValue(line, space + 1),
        );
      return;
    }
    if (line.subarray(0, EXTENDED.length).equals(EXTENDED)) {
      const space = line.indexOf(0x20, EXTENDED.length);
      const colon = line.indexOf(' : ', space);
      if (space > 0 && colon > 0) {
        this.handlers.output(
          line.toString('latin1', EXTENDED.length, space),
          decodeOutputValue(line, colon + 3),
        );
      }
      return;
    }
    const text = line.toString('utf8');
    const [kind, first = '', ...rest] = text.split(' ');
    switch (kind) {
      case '%begin':
        this.block = { lines: [], tag: [first, ...rest].join(' ') };
        break;
      case '%subscription-changed': {
        // %subscription-changed name $session @window index %pane … : value
        const colon = text.indexOf(' : ');
        const pane = rest[3];
        if (first === DEAD_SUBSCRIPTION && colon > 0 && pane?.startsWith('%')) {
          this.handlers.paneState(pane, text.slice(colon + 3));
        }
        break;
      }
      case '%window-close':
      case '%unlinked-window-close':
        this.handlers.windowClosed(first);
        break;
      case '%window-renamed':
        this.handlers.windowRenamed(first, rest.join(' '));
        break;
      case '%exit':
        this.finish(first ? [first, ...rest].join(' ') : 'tmux control client exited');
        break;
    }
  }

  private finish(reason: string): void {
    if (this.ended !== undefined) return;
    this.ended = reason;
    for (const waiter of this.pending.splice(0)) waiter.reject(new TmuxCommandError(reason));
    // A client that never connected was never in use: its failure is connect()'s rejection.
    if (this.connected) this.handlers.closed(reason);
  }
}
