// Splitting a streamed request body into lines (NDJSON) within a per-line size limit. A newline
// byte never occurs inside a UTF-8 sequence, so splitting the bytes at 0x0A and decoding each line
// on its own cannot cut a character in two, whatever the chunk boundaries are.
import { ErrorCode, OrchflowError } from '@orchflow/protocol';

const NEWLINE = 0x0a;

/**
 * The bytes of the unfinished last line once `chunk` arrived after `previous` such bytes: what a
 * {@link NdjsonLines} holds then (looked up from the chunk's end, so a chunk that ends its lines
 * costs nothing to measure).
 */
export function partialLineBytes(previous: number, chunk: Buffer): number {
  const newline = chunk.lastIndexOf(NEWLINE);
  return newline === -1 ? previous + chunk.length : chunk.length - newline - 1;
}

/** Collects chunks of a body and hands back its complete lines. */
export class NdjsonLines {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxLineBytes: number) {}

  /**
   * Hands each line `chunk` completes to `onLine`, in order; throws PayloadTooLarge once a line
   * passes the limit (the lines before it have been handed over).
   */
  push(chunk: Buffer, onLine: (line: string) => void): void {
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      this.keep(chunk.subarray(start, end));
      start = end + 1;
      onLine(this.take());
    }
    if (start < chunk.length) this.keep(chunk.subarray(start));
  }

  /** What followed the last newline when the body ended (a last line without its newline). */
  rest(): string {
    return this.take();
  }

  private keep(piece: Buffer): void {
    this.pendingBytes += piece.length;
    if (this.pendingBytes > this.maxLineBytes) {
      throw new OrchflowError(
        ErrorCode.PayloadTooLarge,
        `A line of the message stream exceeds ${this.maxLineBytes} bytes; send smaller messages, or raise the server's maxBodyBytes`,
        { limit: this.maxLineBytes },
      );
    }
    if (piece.length > 0) this.pending.push(piece);
  }

  private take(): string {
    const [only, ...more] = this.pending;
    const text =
      only && more.length === 0
        ? only.toString('utf8')
        : Buffer.concat(this.pending, this.pendingBytes).toString('utf8');
    this.pending = [];
    this.pendingBytes = 0;
    return text;
  }
}
