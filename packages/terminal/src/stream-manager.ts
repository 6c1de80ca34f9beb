// A registry of terminals that publishes their output and exits as JSON-RPC notifications
// (`terminal.output`, `terminal.gap`, `terminal.exit`) on every attached channel. Each channel
// reads through a flow-controlled subscription acknowledged when `send` resolves, so a slow
// channel pauses the terminal instead of queueing its output without bound.
import {
  ErrorCode,
  type ExitInfo,
  type IpcChannel,
  JSONRPC_VERSION,
  OrchflowError,
} from '@orchflow/protocol';
import { ChannelFeed } from './output/channel-feed';
import { DEFAULT_HIGH_WATER_MARK } from './output/subscribers';
import { Terminal, type TerminalSpawnOptions } from './terminal';

/** Options for {@link TerminalStreamManager}. */
export interface TerminalStreamManagerOptions {
  /** Unacknowledged bytes per channel and terminal before the terminal pauses. Default 1 MiB. */
  highWaterMark?: number;
  /** Called when sending to a channel failed; that channel is detached first. */
  onChannelError?: (error: unknown, channel: IpcChannel) => void;
}

/** Spawns, tracks and kills terminals, streaming their output to attached channels. */
export class TerminalStreamManager {
  private readonly terminals = new Map<string, Terminal>();
  private readonly channels = new Map<IpcChannel, Map<string, ChannelFeed>>();
  private readonly highWaterMark: number;
  private readonly onChannelError: TerminalStreamManagerOptions['onChannelError'];

  /** An empty manager with no channels. */
  constructor(options: TerminalStreamManagerOptions = {}) {
    this.highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    this.onChannelError = options.onChannelError;
  }

  /** Spawns a terminal and streams it to every attached channel. Rejects with SpawnFailed. */
  async spawn(config: TerminalSpawnOptions = {}): Promise<Terminal> {
    if (config.id !== undefined && this.terminals.has(config.id)) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `A terminal with id '${config.id}' already exists; pick another id`,
      );
    }
    const terminal = await Terminal.spawn(config);
    this.terminals.set(terminal.id, terminal);
    for (const channel of this.channels.keys()) this.attach(channel, terminal);
    terminal.onExit(() => this.terminals.delete(terminal.id));
    return terminal;
  }

  /** The running terminal with this id, if any (exited terminals are removed). */
  get(id: string): Terminal | undefined {
    return this.terminals.get(id);
  }

  /** All running terminals. */
  list(): Terminal[] {
    return [...this.terminals.values()];
  }

  /** Kills a terminal's whole process tree; resolves with how it ended. */
  async kill(id: string): Promise<ExitInfo> {
    const terminal = this.terminals.get(id);
    if (!terminal) {
      throw new OrchflowError(
        ErrorCode.TerminalNotFound,
        `No running terminal with id '${id}'; it may have exited already (list() shows the running ones)`,
        { terminalId: id },
      );
    }
    return terminal.kill();
  }

  /** Kills every terminal. */
  async killAll(): Promise<void> {
    await Promise.all(this.list().map((terminal) => terminal.kill()));
  }

  /** Publishes live output and exits of all terminals, present and future, on `channel`. */
  withChannel(channel: IpcChannel): this {
    if (this.channels.has(channel) || channel.closed) return this;
    this.channels.set(channel, new Map());
    for (const terminal of this.terminals.values()) this.attach(channel, terminal);
    return this;
  }

  /** Stops publishing on `channel`. */
  removeChannel(channel: IpcChannel): void {
    const feeds = this.channels.get(channel);
    if (!feeds) return;
    this.channels.delete(channel);
    for (const feed of [...feeds.values()]) feed.close();
  }

  private attach(channel: IpcChannel, terminal: Terminal): void {
    const feeds = this.channels.get(channel);
    if (!feeds) return;
    const feed = new ChannelFeed({
      terminalId: terminal.id,
      exited: terminal.exited,
      notify: ({ method, params }) => channel.send({ jsonrpc: JSONRPC_VERSION, method, params }),
      onClose: () => {
        if (feeds.get(terminal.id) === feed) feeds.delete(terminal.id);
      },
      onError: (error) => this.onSendFailed(channel, error),
    });
    feeds.set(terminal.id, feed);
    feed.attach(terminal.subscribe({ manualAck: true, highWaterMark: this.highWaterMark }, feed.push));
  }

  private onSendFailed(channel: IpcChannel, error: unknown): void {
    if (!this.channels.has(channel)) return;
    this.removeChannel(channel);
    // A closed channel is the normal end of a client; anything else is worth reporting.
    if (!channel.closed) this.onChannelError?.(error, channel);
  }
}
