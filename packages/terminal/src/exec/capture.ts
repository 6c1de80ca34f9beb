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
  private tail: Buffer[] = [];
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
    if (rest.length === 0) return;
    this.tail.push(Buffer.from(rest));
    this.tailBytes += rest.length;
    // PTY output arrives in ~4 KiB reads and the producer waits for each, so appending must stay
    // cheap: whole chunks that lie before the last `tailLimit` bytes are dropped here, and the exact
    // cut is made once, in result(). Copying the tail on every trim cost ~10 % of throughput.
    let first = this.tail[0] as Buffer;
    while (this.tail.length > 1 && this.tailBytes - first.length >= this.tailLimit) {
      this.tail.shift();
      this.tailBytes -= first.length;
      first = this.tail[0] as Buffer;
    }
    // Only one oversized chunk can remain above the budget; cut it now so memory stays bounded.
    if (this.tailBytes > 2 * this.tailLimit) this.trimTail();
  }

  private trimTail(): void {
    const joined = Buffer.concat(this.tail);
    const keep = joined.subarray(Math.max(0, joined.length - this.tailLimit));
    this.tail = [Buffer.from(keep)];
    this.tailBytes = keep.length;
  }

  /** The captured output, decoded; `clean` turns raw terminal bytes into text. */
  result(clean: (raw: string) => string = (s) => s): CapturedOutput {
    this.trimTail();
    const head = Buffer.concat(this.head);
    const tail = Buffer.concat(this.tail);
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
    const notice = `\n[… ${dropped + head.length - headEnd + tailStart} bytes of output omitted; read the full output from the scrollback at outputOffset …]\n`;
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
