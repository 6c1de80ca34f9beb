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
  type TerminalExitParams,
  type TerminalGapParams,
  type TerminalOutputParams,
} from '@orchflow/protocol';
import { DEFAULT_HIGH_WATER_MARK, type StreamEvent, type Subscription } from './output/subscribers';
import { Terminal, type TerminalSpawnOptions } from './terminal';

/** Options for {@link TerminalStreamManager}. */
export interface TerminalStreamManagerOptions {
  /** Unacknowledged bytes per channel and terminal before the terminal pauses. Default 1 MiB. */
  highWaterMark?: number;
  /** Called when sending to a channel failed; that channel is detached first. */
  onChannelError?: (error: unknown, channel: IpcChannel) => void;
}

/** One terminal's stream to one channel. */
interface Feed {
  subscription?: Subscription;
  ended: boolean;
  exit?: ExitInfo;
}

/** Spawns, tracks and kills terminals, streaming their output to attached channels. */
export class TerminalStreamManager {
  private readonly terminals = new Map<string, Terminal>();
  private readonly channels = new Map<IpcChannel, Map<string, Feed>>();
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
    terminal.onExit((info) => this.onExit(terminal.id, info));
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
    for (const feed of feeds.values()) feed.subscription?.dispose();
  }

  private attach(channel: IpcChannel, terminal: Terminal): void {
    const feed: Feed = { ended: false };
    this.channels.get(channel)?.set(terminal.id, feed);
    const terminalId = terminal.id;
    const onEvent = (event: StreamEvent): void => {
      if (event.type === 'data') {
        const params: TerminalOutputParams = { terminalId, data: event.data, offset: event.offset };
        void this.send(channel, 'terminal.output', params).then((sent) => {
          if (sent) feed.subscription?.ack(event.nextOffset);
        });
      } else if (event.type === 'gap') {
        const params: TerminalGapParams = { terminalId, from: event.from, to: event.to };
        void this.send(channel, 'terminal.gap', params);
      } else {
        feed.ended = true;
        this.finish(channel, terminalId, feed);
      }
    };
    feed.subscription = terminal.subscribe({ manualAck: true, highWaterMark: this.highWaterMark }, onEvent);
  }

  private onExit(terminalId: string, info: ExitInfo): void {
    this.terminals.delete(terminalId);
    for (const [channel, feeds] of this.channels) {
      const feed = feeds.get(terminalId);
      if (!feed) continue;
      feed.exit = info;
      this.finish(channel, terminalId, feed);
    }
  }

  /** Sends the exit once both the exit is known and all output went out before it. */
  private finish(channel: IpcChannel, terminalId: string, feed: Feed): void {
    if (!feed.ended || !feed.exit) return;
    feed.subscription?.dispose();
    this.channels.get(channel)?.delete(terminalId);
    const params: TerminalExitParams = { terminalId, ...feed.exit };
    void this.send(channel, 'terminal.exit', params);
  }

  private async send(channel: IpcChannel, method: string, params: Record<string, unknown>): Promise<boolean> {
    if (!this.channels.has(channel)) return false;
    try {
      await channel.send({ jsonrpc: JSONRPC_VERSION, method, params });
      return true;
    } catch (error) {
      if (this.channels.has(channel)) {
        this.removeChannel(channel);
        // A closed channel is the normal end of a client; anything else is worth reporting.
        if (!channel.closed) this.onChannelError?.(error, channel);
      }
      return false;
    }
  }
}
