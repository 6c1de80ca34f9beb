// `RemoteTerminal.stream()`: a terminal's output as an async iterable over one subscription,
// resumable from any retained offset. The server pushes without waiting for this reader, so the
// buffer here is bounded: when a slow reader lets it exceed `maxBufferedBytes`, the buffered data
// is replaced by one explicit gap event (read the bytes back with `read()`), never dropped silently.
import type { ExitInfo } from '@orchflow/protocol/runtime';
import { copyData, lazyBytesOf } from './lazy-text';
import type { OutputDataEvent, OutputEvent } from './output-events';
import { utf8Length } from './output-events';
import type { RoutedChunk, SubscriptionRouter } from './subscription-router';

/** Default bound of a stream's client-side buffer: 8 MiB. */
export const DEFAULT_STREAM_BUFFER_BYTES = 8 * 1024 * 1024;

/** Options of `RemoteTerminal.stream()`. */
export interface StreamOptions {
  /** First byte wanted; retained output from there is replayed first. Default: live output only. */
  fromOffset?: number;
  /** Ends the iteration (and the subscription) when aborted. */
  signal?: AbortSignal;
  /** Buffered bytes beyond which undelivered data becomes a gap event. Default 8 MiB. */
  maxBufferedBytes?: number;
}

/** Iterates a terminal's output; ends with an `end` event when the terminal exits. */
export async function* streamOutput(
  router: SubscriptionRouter,
  terminalId: string,
  options: StreamOptions = {},
): AsyncGenerator<OutputEvent, void, undefined> {
  const buffer = new EventBuffer(options.maxBufferedBytes ?? DEFAULT_STREAM_BUFFER_BYTES);
  const { signal } = options;
  if (signal?.aborted) return;
  const subscription = await router.subscribe(terminalId, options.fromOffset, buffer);
  buffer.start(subscription.offset);
  const onAbort = (): void => buffer.stop();
  signal?.addEventListener('abort', onAbort, { once: true });
  // Aborted while the subscribe request was in flight: the listener came too late to hear it.
  if (signal?.aborted) onAbort();
  try {
    for (;;) {
      const event = await buffer.next();
      if (event === undefined) return;
      yield event;
      if (event.type === 'end') return;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await subscription.close().catch(() => undefined);
  }
}

/** The bounded queue between the router's pushes and the iterator's pulls. */
class EventBuffer {
  private readonly events: OutputEvent[] = [];
  private bytes = 0;
  private cursor = 0;
  private done = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly maxBytes: number) {}

  start(offset: number): void {
    if (this.cursor === 0) this.cursor = offset;
  }

  data(chunk: RoutedChunk): void {
    // Only the server knows the byte count: output that was not UTF-8 decodes to U+FFFD, three
    // bytes for each invalid byte. Servers before `nextOffset` existed get the text's length;
    // otherwise the text is not measured at all (encoding every chunk once more costs as much CPU
    // as parsing it).
    const nextOffset = chunk.nextOffset ?? chunk.offset + utf8Length(chunk.data);
    this.cursor = nextOffset;
    const event = copyData(chunk, { type: 'data' } as OutputDataEvent);
    event.offset = chunk.offset;
    event.nextOffset = nextOffset;
    const bytes = lazyBytesOf(chunk);
    // As in the in-process stream: the raw bytes, not enumerable, so spreads and JSON see the
    // same event whichever way the chunk came.
    if (bytes) Object.defineProperty(event, 'bytes', { value: bytes });
    this.events.push(event);
    this.bytes += nextOffset - chunk.offset;
    if (this.bytes > this.maxBytes) this.collapse();
    this.notify();
  }

  gap(from: number, to: number): void {
    this.cursor = to;
    this.push({ type: 'gap', from, to });
  }

  exit(info: ExitInfo): void {
    this.push(
      info.reason === undefined
        ? { type: 'end', offset: this.cursor }
        : { type: 'end', offset: this.cursor, reason: info.reason },
    );
  }

  fail(error: Error): void {
    this.error = error;
    this.notify();
  }

  stop(): void {
    this.done = true;
    this.notify();
  }

  async next(): Promise<OutputEvent | undefined> {
    for (;;) {
      if (this.done) return undefined;
      const event = this.events.shift();
      if (event) {
        if (event.type === 'data') this.bytes -= event.nextOffset - event.offset;
        return event;
      }
      if (this.error) throw this.error;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private push(event: OutputEvent): void {
    this.events.push(event);
    this.notify();
  }

  /** Turns all buffered data and gaps into one gap spanning them. */
  private collapse(): void {
    const first = this.events[0];
    if (!first || first.type === 'end') return;
    const from = first.type === 'data' ? first.offset : first.from;
    this.events.length = 0;
    this.bytes = 0;
    this.events.push({ type: 'gap', from, to: this.cursor });
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
