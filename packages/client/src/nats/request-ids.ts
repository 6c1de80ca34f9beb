// The requests in a JSON-RPC message's text, read part by part without keeping the text: what a
// receiver needs to refuse a message it will not hold (a node whose reassembly budget is full
// drops a split message's parts as they come, yet answers each request in it). Only the top
// level is looked at: the message itself, or each element of a batch; a request is an object
// with a `method` and an `id` that is a string or a safe integer (as the in-flight limit counts
// them). Memory stays bounded: a few flags, the key being read (at most MAX_KEY_BYTES) and the
// ids found (each at most MAX_ID_BYTES, at most MAX_BATCH_MESSAGES of them and MAX_IDS_BYTES in
// all; clients number their requests, so a request past these goes unanswered only for a peer
// that tried). Text that is not JSON yields whatever requests were recognised before it went
// wrong.
import { MAX_BATCH_MESSAGES, type RequestId } from '@orchflow/protocol/runtime';

/** Longest key compared with `id` / `method` (longer keys are neither). */
const MAX_KEY_BYTES = 16;
/** Longest id kept, as its JSON text (a longer one is not answered). */
const MAX_ID_BYTES = 256;
/** Most bytes of ids kept for one message. */
const MAX_IDS_BYTES = 64 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** The requests found: `batch` when the message is an array. */
export interface ScannedRequests {
  batch: boolean;
  ids: RequestId[];
}

/** Reads the request ids of one JSON-RPC message fed in pieces (see the module comment). */
export class RequestIdScanner {
  private depth = 0;
  private started = false;
  private batch = false;
  /** Depth at which a request's own keys are: 1 for a single message, 2 in a batch. */
  private itemDepth = 1;
  /** True while directly inside an object at `itemDepth` (a request candidate). */
  private inItem = false;
  private inString = false;
  private escaped = false;
  /** What comes next directly inside the item. */
  private expect: 'key' | 'colon' | 'value' | 'comma' = 'key';
  /** Bytes of the key or id being read (undefined: not kept). */
  private capture: number[] | undefined;
  private capturing: 'key' | 'id-string' | 'id-scalar' | undefined;
  private key = '';
  /** The item's id as read (a string's text with its quotes, or a scalar), or null when invalid. */
  private id: string | null | undefined;
  private hasMethod = false;
  private readonly ids: RequestId[] = [];
  private readonly seen = new Set<RequestId>();
  private idsBytes = 0;

  /** Reads the next piece of the message's text. */
  push(data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) {
      // The inside of a string nobody reads (a write's data: nearly all of a large message) is
      // skipped to its next quote or backslash.
      if (this.inString && !this.escaped && this.capture === undefined) {
        const quote = data.indexOf(QUOTE, i);
        const backslash = data.indexOf(BACKSLASH, i);
        const next = quote < 0 ? backslash : backslash < 0 ? quote : Math.min(quote, backslash);
        if (next < 0) return;
        i = next;
      }
      this.byte(data[i] as number);
    }
  }

  /** The requests found so far (all of them once the whole text was pushed). */
  result(): ScannedRequests {
    return { batch: this.batch, ids: [...this.ids] };
  }

  private byte(b: number): void {
    if (this.inString) {
      this.keep(b);
      if (this.escaped) this.escaped = false;
      else if (b === BACKSLASH) this.escaped = true;
      else if (b === QUOTE) {
        this.inString = false;
        this.stringEnded();
      }
      return;
    }
    if (this.capturing === 'id-scalar') {
      if (isSpace(b) || b === COMMA || b === CLOSE_OBJECT || b === CLOSE_ARRAY) this.scalarEnded();
      else {
        this.keep(b);
        return;
      }
    }
    if (isSpace(b)) return;
    if (!this.started) {
      this.started = true;
      this.batch = b === OPEN_ARRAY;
      this.itemDepth = this.batch ? 2 : 1;
    }
    const direct = this.inItem && this.depth === this.itemDepth;
    switch (b) {
      case QUOTE:
        this.inString = true;
        this.escaped = false;
        if (direct && this.expect === 'key') this.begin('key');
        else if (direct && this.expect === 'value' && this.key === 'id') this.begin('id-string', [QUOTE]);
        return;
      case OPEN_OBJECT:
      case OPEN_ARRAY:
        if (direct && this.expect === 'value' && this.key === 'id') this.id = null;
        this.depth++;
        if (this.depth === this.itemDepth && b === OPEN_OBJECT) {
          this.inItem = true;
          this.expect = 'key';
          this.key = '';
          this.id = undefined;
          this.hasMethod = false;
        }
        return;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        if (direct && b === CLOSE_OBJECT) this.itemEnded();
        this.depth = Math.max(0, this.depth - 1);
        if (this.inItem && this.depth === this.itemDepth) this.expect = 'comma';
        return;
      case COLON:
        if (direct && this.expect === 'colon') {
          this.expect = 'value';
          if (this.key === 'method') this.hasMethod = true;
        }
        return;
      case COMMA:
        if (direct) {
          this.expect = 'key';
          this.key = '';
        }
        return;
      default:
        // The first byte of a number, `true`, `false` or `null`.
        if (direct && this.expect === 'value') {
          if (this.key === 'id') this.begin('id-scalar', [b]);
          else this.expect = 'comma';
        }
    }
  }

  private begin(what: 'key' | 'id-string' | 'id-scalar', first: number[] = []): void {
    this.capturing = what;
    this.capture = first;
  }

  private keep(b: number): void {
    const capture = this.capture;
    if (capture === undefined) return;
    const max = this.capturing === 'key' ? MAX_KEY_BYTES + 2 : MAX_ID_BYTES;
    if (capture.length < max) capture.push(b);
    else this.capture = undefined;
  }

  private stringEnded(): void {
    const what = this.capturing;
    const text = this.captured();
    if (what === 'key') {
      // The text read includes the closing quote.
      this.key = text === undefined ? '' : (parseString(`"${text}`) ?? '');
      this.expect = 'colon';
    } else if (what === 'id-string') {
      this.id = text ?? null;
      this.expect = 'comma';
    } else if (this.inItem && this.depth === this.itemDepth && this.expect === 'value') {
      this.expect = 'comma';
    }
  }

  private scalarEnded(): void {
    this.id = this.captured() ?? null;
    this.expect = 'comma';
  }

  private captured(): string | undefined {
    const capture = this.capture;
    this.capture = undefined;
    this.capturing = undefined;
    return capture === undefined ? undefined : new TextDecoder().decode(new Uint8Array(capture));
  }

  private itemEnded(): void {
    this.inItem = false;
    if (!this.hasMethod || this.id === undefined || this.id === null) return;
    if (this.ids.length >= MAX_BATCH_MESSAGES || this.idsBytes + this.id.length > MAX_IDS_BYTES) return;
    const id = parseId(this.id);
    if (id === undefined || this.seen.has(id)) return;
    this.seen.add(id);
    this.ids.push(id);
    this.idsBytes += this.id.length;
  }
}

/** A JSON string literal's value, or undefined. */
function parseString(literal: string): string | undefined {
  try {
    const value: unknown = JSON.parse(literal);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** An id as the in-flight limit counts it (a string, or a safe integer), or undefined. */
function parseId(text: string): RequestId | undefined {
  if (text.startsWith('"')) return parseString(text);
  try {
    const value: unknown = JSON.parse(text);
    return Number.isSafeInteger(value) ? (value as number) : undefined;
  } catch {
    return undefined;
  }
}
