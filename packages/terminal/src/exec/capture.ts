// Bounded capture of one command's output bytes: the first half of `maxBytes` is kept as it
// arrives, the last half in a rolling tail, so a 10 MB build log costs at most `maxBytes` of
// memory and the result still shows how it started and how it ended.

/** Default `maxOutputBytes` of an execute result (1 MiB). */
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

/** What a capture holds at the end. */
export interface CapturedOutput {
  /** The output, or its head and tail joined by a one-line notice when truncated. */
  text: string;
  truncated: boolean;
  /** Bytes seen in total, including dropped ones. */
  totalBytes: number;
}

/** Keeps the head and the tail of a byte stream within a fixed budget. */
export class OutputCapture {
  private readonly headLimit: number;
  private readonly tailLimit: number;
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  /** The last `tailLimit` bytes past the head, as a ring (allocated once the head is full). */
  private tail: Buffer | undefined;
  /** Where the next tail byte goes. */
  private tailAt = 0;
  private tailBytes = 0;
  private total = 0;

  /** Keeps at most `maxBytes` bytes. */
  constructor(maxBytes: number = DEFAULT_MAX_OUTPUT_BYTES) {
    this.headLimit = Math.ceil(maxBytes / 2);
    this.tailLimit = Math.floor(maxBytes / 2);
  }

  /** Appends bytes. */
  append(bytes: Uint8Array): void {
    this.total += bytes.length;
    let rest = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (this.headBytes < this.headLimit) {
      const take = Math.min(rest.length, this.headLimit - this.headBytes);
      this.head.push(Buffer.from(rest.subarray(0, take)));
      this.headBytes += take;
      rest = rest.subarray(take);
    }
    if (rest.length === 0 || this.tailLimit === 0) return;
    // A build log streams megabytes through here in ~4 KiB reads: copying into one ring keeps
    // that free of per-chunk allocations (and the garbage collection they cost).
    this.tail ??= Buffer.allocUnsafe(this.tailLimit);
    if (rest.length >= this.tailLimit) rest = rest.subarray(rest.length - this.tailLimit);
    const first = Math.min(rest.length, this.tailLimit - this.tailAt);
    this.tail.set(rest.subarray(0, first), this.tailAt);
    if (first < rest.length) this.tail.set(rest.subarray(first), 0);
    this.tailAt = (this.tailAt + rest.length) % this.tailLimit;
    this.tailBytes = Math.min(this.tailLimit, this.tailBytes + rest.length);
  }

  /** The tail's bytes, oldest first. */
  private tailContents(): Buffer {
    const ring = this.tail;
    if (!ring || this.tailBytes === 0) return Buffer.alloc(0);
    if (this.tailBytes < this.tailLimit) return ring.subarray(0, this.tailBytes);
    return Buffer.concat([ring.subarray(this.tailAt), ring.subarray(0, this.tailAt)]);
  }

  /** The captured output, decoded; `clean` turns raw terminal bytes into text. */
  result(clean: (raw: string) => string = (s) => s): CapturedOutput {
    const head = Buffer.concat(this.head);
    const tail = this.tailContents();
    const dropped = this.total - head.length - tail.length;
    if (dropped === 0) {
      return {
        text: clean(Buffer.concat([head, tail]).toString('utf8')),
        truncated: false,
        totalBytes: this.total,
      };
    }
    // Cut on character boundaries: drop a partial UTF-8 sequence at the end of head / start of tail.
    const headEnd = utf8SafeEnd(head);
    let tailStart = 0;
    while (tailStart < tail.length && ((tail[tailStart] as number) & 0xc0) === 0x80) tailStart++;
    const notice = `\n[… ${dropped + head.length - headEnd + tailStart} bytes of output omitted; the terminal's scrollback holds them from the command's output offset on, while it has room …]\n`;
    const text = clean(head.toString('utf8', 0, headEnd)) + notice + clean(tail.toString('utf8', tailStart));
    return { text, truncated: true, totalBytes: this.total };
  }
}

/** Length of `buf` without a trailing incomplete UTF-8 sequence. */
function utf8SafeEnd(buf: Buffer): number {
  let i = buf.length;
  let back = 0;
  while (i > 0 && back < 4 && ((buf[i - 1] as number) & 0xc0) === 0x80) {
    i--;
    back++;
  }
  if (i === 0) return buf.length;
  const lead = buf[i - 1] as number;
  const need = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : 0;
  return need > back ? i - 1 : buf.length;
}
