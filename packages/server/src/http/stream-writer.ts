// Writing an event stream (Server-Sent Events or event frames) to a response in order: each write
// waits for the socket to drain, with a single 'drain'/'close' listener pair at a time, so a slow
// reader holds the writer back instead of the response buffering without bound. Shared by the
// terminal output stream and the JSON-RPC session stream.
import type { ServerResponse } from 'node:http';

/** Interval of keep-alives (SSE comment lines, keep-alive frames) that keep proxies from closing an idle stream. */
export const KEEPALIVE_MS = 15_000;

/** Writes to a response in order, waiting for 'drain' with a single listener pair at a time. */
export class StreamWriter {
  private waiting: Promise<void> | undefined;

  constructor(private readonly response: ServerResponse) {}

  /** True while written text waits for the socket (a keep-alive would only add to it). */
  get busy(): boolean {
    return this.waiting !== undefined;
  }

  /** True once the response can take no more text. */
  get ended(): boolean {
    return this.response.destroyed || this.response.writableEnded;
  }

  /**
   * Writes `text` (or its UTF-8 bytes); resolves once the socket took it (drained) or closed.
   * `flushed` is called once the socket no longer reads the bytes (written to the kernel, failed,
   * or never written because the response had ended) — possibly never, if the response is torn
   * down mid-write: memory reused after it must not be reused without it.
   */
  async write(text: string | Uint8Array, flushed?: () => void): Promise<void> {
    while (this.waiting) await this.waiting;
    const response = this.response;
    if (this.ended) {
      flushed?.();
      return;
    }
    if (flushed ? response.write(text, () => flushed()) : response.write(text)) return;
    this.waiting = new Promise<void>((resolve) => {
      const done = (): void => {
        response.off('drain', done);
        response.off('close', done);
        this.waiting = undefined;
        resolve();
      };
      response.on('drain', done);
      response.on('close', done);
    });
    await this.waiting;
  }

  /** Writes `text` (an SSE comment by default; a frames stream passes its keep-alive frame) every {@link KEEPALIVE_MS} until the response closes. */
  keepAlive(text: string | Uint8Array = ': keep-alive\n\n'): void {
    const timer = setInterval(() => {
      if (!this.busy) void this.write(text);
    }, KEEPALIVE_MS);
    timer.unref();
    this.response.once('close', () => clearInterval(timer));
  }
}
