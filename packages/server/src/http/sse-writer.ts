// Writing Server-Sent Events to a response in order: each write waits for the socket to drain,
// with a single 'drain'/'close' listener pair at a time, so a slow reader holds the writer back
// instead of the response buffering without bound. Shared by the terminal output stream and the
// JSON-RPC session stream.
import type { ServerResponse } from 'node:http';

/** Interval of SSE comment lines that keep proxies from closing an idle stream. */
export const SSE_KEEPALIVE_MS = 15_000;

/** One SSE event as text: `event:` (omitted for the default `message`), `id:`, one `data:` line. */
export function sseEvent(name: string | undefined, data: unknown, id?: number): string {
  return `${sseHead(name, id)}${JSON.stringify(data)}\n\n`;
}

/**
 * {@link sseEvent} as UTF-8 bytes, encoded piece by piece: joining a long event's JSON to its
 * head first would copy it once more as text.
 */
export function sseEventBytes(name: string | undefined, data: unknown, id?: number): Buffer {
  const head = sseHead(name, id);
  const json = JSON.stringify(data);
  const headBytes = Buffer.byteLength(head);
  const jsonBytes = Buffer.byteLength(json);
  // Its own memory, not a slice of Node's shared pool: events are kept for replay, and a small
  // one would keep a whole 8 KiB pool slab alive.
  const block = Buffer.allocUnsafeSlow(headBytes + jsonBytes + 2);
  block.write(head, 0, 'utf8');
  block.write(json, headBytes, 'utf8');
  block.write('\n\n', headBytes + jsonBytes, 'latin1');
  return block;
}

// JSON.stringify escapes newlines, so the data always fits one `data:` line after this head.
function sseHead(name: string | undefined, id: number | undefined): string {
  const eventLine = name === undefined ? '' : `event: ${name}\n`;
  const idLine = id === undefined ? '' : `id: ${id}\n`;
  return `${eventLine}${idLine}data: `;
}

/** Writes to a response in order, waiting for 'drain' with a single listener pair at a time. */
export class SseWriter {
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

  /** Writes `text` (or its UTF-8 bytes); resolves once the socket took it (drained) or closed. */
  async write(text: string | Uint8Array): Promise<void> {
    while (this.waiting) await this.waiting;
    const response = this.response;
    if (this.ended || response.write(text)) return;
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

  /** Writes a keep-alive comment every {@link SSE_KEEPALIVE_MS} until the response closes. */
  keepAlive(): void {
    const timer = setInterval(() => {
      if (!this.busy) void this.write(': keep-alive\n\n');
    }, SSE_KEEPALIVE_MS);
    timer.unref();
    this.response.once('close', () => clearInterval(timer));
  }
}
