// The router's outbound backlog: output the nodes sent that the router's own reader (a gateway's
// transport, or the client in this process) has not taken yet. Node sessions are read only while
// it is below a high-water mark, so a slow reader stops the router reading its nodes; their
// sessions' flow windows then fill and the nodes pause the terminals (core's flow control), instead
// of the router buffering without bound. Reading resumes once the backlog halves.
import type { IpcChannel, JsonRpcMessage } from '@orchflow/protocol';

/** Default high-water mark of the router's outbound backlog: 8 MiB of output. */
export const DEFAULT_ROUTER_BACKLOG_BYTES = 8 * 1024 * 1024;

/** Bytes of output waiting for the router's reader, and who waits for them to drain. */
export class OutboundBacklog {
  private bytes = 0;
  private waiting: (() => void)[] = [];
  private closed = false;

  constructor(private readonly highWaterBytes: number) {}

  /** Output bytes waiting for the reader. */
  get size(): number {
    return this.bytes;
  }

  /** Counts a notification handed to the reader's queue. */
  added(method: string, params: unknown): void {
    this.bytes += outputBytes(method, params);
  }

  /** Counts a message the reader took; lets node reads go on once the backlog halved. */
  taken(message: JsonRpcMessage): void {
    const { method, params } = message as { method?: unknown; params?: unknown };
    const bytes = outputBytes(method, params);
    if (bytes === 0) return;
    this.bytes -= bytes;
    if (this.bytes <= this.highWaterBytes / 2) this.release();
  }

  /** Undefined while below the mark; else resolves once the backlog drained to half of it. */
  full(): Promise<void> | undefined {
    if (this.closed || this.bytes < this.highWaterBytes) return undefined;
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Stops pacing for good and lets every waiter go (the router is closing). */
  close(): void {
    this.closed = true;
    this.release();
  }

  private release(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}

/** The output text a notification carries (a `terminal.output`'s `data`), else 0. */
function outputBytes(method: unknown, params: unknown): number {
  const data = (params as { data?: unknown } | undefined)?.data;
  return method === 'terminal.output' && typeof data === 'string' ? data.length : 0;
}

/** `channel`, whose `receive()` first waits while `full()` says the reader is behind. */
export function pacedChannel(channel: IpcChannel, full: () => Promise<void> | undefined): IpcChannel {
  const receive = async (): Promise<JsonRpcMessage> => {
    const wait = full();
    if (wait) await wait;
    return channel.receive();
  };
  return {
    get closed() {
      return channel.closed;
    },
    send: (message) => channel.send(message),
    receive,
    close: () => channel.close(),
    async *[Symbol.asyncIterator]() {
      for (;;) {
        let message: JsonRpcMessage;
        try {
          message = await receive();
        } catch (error) {
          if (channel.closed) return;
          throw error;
        }
        yield message;
      }
    },
  };
}
