// `StdioServer`: the sidecar mode, like a language server. One connection over the process's
// stdin/stdout with Content-Length framing; logs go to stderr only. When stdin closes (the parent
// went away) the connection's terminals are killed and `closed` resolves.
import type { Readable, Writable } from 'node:stream';
import type { ServedChannel } from '@orchflow/core';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { type ByteStreamServerOptions, serveByteStream } from './byte-stream';

/** Options of {@link StdioServer}. */
export interface StdioServerOptions extends ByteStreamServerOptions {
  /** Where requests come from. Default `process.stdin`. */
  input?: Readable;
  /** Where responses go. Default `process.stdout` (so nothing else may write there). */
  output?: Writable;
}

/** What {@link StdioServer.start} reports. */
export interface StdioServerInfo {
  transport: 'stdio';
}

/** Serves an orchestrator over stdin/stdout. */
export class StdioServer implements AsyncDisposable {
  private served: ServedChannel | undefined;
  private resolveClosed!: () => void;
  /** Resolves once the connection ended (stdin closed or `stop()`) and its terminals are gone. */
  readonly closed = new Promise<void>((resolve) => {
    this.resolveClosed = resolve;
  });

  constructor(private readonly options: StdioServerOptions) {}

  /** Starts serving; resolves at once (stdio needs no listening). */
  async start(): Promise<StdioServerInfo> {
    if (this.served) {
      throw new OrchflowError(ErrorCode.InvalidState, 'StdioServer is already started; start it once');
    }
    const readable = this.options.input ?? process.stdin;
    const writable = this.options.output ?? process.stdout;
    this.served = serveByteStream({ readable, writable }, this.options, 'stdio').served;
    void this.served.closed.then(this.resolveClosed);
    return { transport: 'stdio' };
  }

  /** Closes the connection and kills its terminals; idempotent. */
  async stop(): Promise<void> {
    if (!this.served) {
      this.resolveClosed();
      return;
    }
    await this.served.close();
  }

  /** `await using` support: stops the server. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
