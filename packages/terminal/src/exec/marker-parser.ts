// Streaming recogniser of shell-integration markers in raw PTY bytes. Valid markers (right key)
// are removed from the stream and reported as events with their command token; everything else,
// including lookalike markers with a wrong key, passes through byte for byte. The key request
// carries no key and is recognised only while `acceptKeyRequest` is set (during startup). Once
// the key has matched, the marker's bytes never reach the output, even when its fields are
// garbled (a cwd too long for one write, bytes of another program landing inside it): they would
// show the key to every reader of the terminal. A marker may be split across chunks: bytes that
// could still be the start of a valid marker are held back until they decide.
import { ownBuffer } from '../own-buffer';
import { decodeCwdField, MARKER_PREFIX, MarkerKind } from '../shell-integration/marker-format';

/** A marker recognised in the output. */
export type MarkerEvent =
  | { kind: 'keyRequest' }
  | { kind: 'garbled' }
  | { kind: 'start'; token: string }
  | { kind: 'done'; token: string; status: number; cwd: string | undefined };

/** One piece of parsed output, in stream order. */
export type ParsedPiece = { type: 'data'; bytes: Uint8Array } | { type: 'marker'; marker: MarkerEvent };

// Shared by every parser: `held` is replaced, never written into.
const EMPTY = Buffer.alloc(0);
/** The bytes every marker starts with, shared by all parsers. */
const PREFIX = ownBuffer(MARKER_PREFIX, 'latin1');
const ESC = 0x1b;
const BEL = 0x07;
const SEMI = 0x3b;
// The cwd field of a real marker is percent-encoded 4096 bytes at most (the hooks leave a longer
// one out): 3 × 4096 + token + status, well inside this.
const MAX_FIELDS_BYTES = 64 * 1024;

type Match =
  | { outcome: 'match'; end: number; marker: MarkerEvent }
  | { outcome: 'partial' }
  | { outcome: 'none' };

/** Splits a PTY byte stream into data and the markers carrying one terminal's nonce. */
export class MarkerParser {
  private readonly prefix = PREFIX;
  private readonly nonce: Buffer;
  private held: Buffer = EMPTY;
  /** Recognise the key request (`ESC ] 633 ; K BEL`); the owner switches it off once answered. */
  acceptKeyRequest = false;

  /** Recognises only markers that carry `nonce` (the terminal's key). */
  constructor(nonce: string) {
    this.nonce = ownBuffer(nonce, 'latin1');
  }

  /** Parses the next chunk; held-back bytes from earlier chunks are considered first. */
  feed(chunk: Uint8Array): ParsedPiece[] {
    // Called once per PTY read (~4 KiB), so no copy and no allocation on the common path: the data
    // pieces are views of `chunk`, which the PTY hands out fresh per read and never reuses (the
    // output pipeline keeps them until its next flush, see OutputPipeline.push).
    let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.held.length > 0) {
      buf = Buffer.concat([this.held, buf]);
      this.held = EMPTY;
    }
    const out: ParsedPiece[] = [];
    let dataStart = 0;
    let i = 0;
    while (i < buf.length) {
      const esc = buf.indexOf(ESC, i);
      if (esc < 0) break;
      const m = this.match(buf, esc);
      if (m.outcome === 'none') {
        i = esc + 1;
        continue;
      }
      if (esc > dataStart) out.push({ type: 'data', bytes: buf.subarray(dataStart, esc) });
      if (m.outcome === 'partial') {
        this.held = Buffer.from(buf.subarray(esc));
        return out;
      }
      out.push({ type: 'marker', marker: m.marker });
      dataStart = i = m.end;
    }
    if (dataStart < buf.length) out.push({ type: 'data', bytes: buf.subarray(dataStart) });
    return out;
  }

  /** Returns (and forgets) bytes held back at the end of the stream: they were no marker. */
  flush(): Uint8Array {
    const rest = this.held;
    this.held = EMPTY;
    return rest;
  }

  private match(buf: Buffer, at: number): Match {
    const { prefix, nonce } = this;
    let p = at;
    for (let k = 0; k < prefix.length; k++, p++) {
      if (p >= buf.length) return { outcome: 'partial' };
      if (buf[p] !== prefix[k]) return { outcome: 'none' };
    }
    if (p >= buf.length) return { outcome: 'partial' };
    const kind = String.fromCharCode(buf[p] as number);
    p++;
    const request = kind === MarkerKind.KeyRequest && this.acceptKeyRequest;
    if (kind !== MarkerKind.Start && kind !== MarkerKind.Done && !request) return { outcome: 'none' };
    if (p >= buf.length) return { outcome: 'partial' };
    if (request)
      return buf[p] === BEL ? { outcome: 'match', end: p + 1, marker: { kind: 'keyRequest' } } : none;
    if (buf[p] !== SEMI) return { outcome: 'none' };
    p++;
    for (let k = 0; k < nonce.length; k++, p++) {
      if (p >= buf.length) return { outcome: 'partial' };
      if (buf[p] !== nonce[k]) return { outcome: 'none' };
    }
    // The key matched: only our rc scripts can have produced this, so read the fields up to BEL.
    // Printable ASCII only; anything else (or too much of it) garbles the marker, which is then
    // swallowed whole as `garbled` at its BEL — or, without one in reach, at the cap.
    const fieldsStart = p;
    let clean = true;
    for (; p < buf.length; p++) {
      const b = buf[p] as number;
      if (b === BEL) {
        const fields = buf.toString('latin1', fieldsStart, p);
        return clean ? this.build(kind, fields, p + 1) : garbled(p + 1);
      }
      if (b < 0x20 || b > 0x7e) clean = false;
      if (p - fieldsStart >= MAX_FIELDS_BYTES) return garbled(p + 1);
    }
    return { outcome: 'partial' };
  }

  private build(kind: string, fields: string, end: number): Match {
    if (kind === MarkerKind.Start) {
      const m = TOKEN_ONLY.exec(fields);
      return m ? { outcome: 'match', end, marker: { kind: 'start', token: m[1] as string } } : garbled(end);
    }
    const m = DONE_FIELDS.exec(fields);
    if (!m) return garbled(end);
    const cwd = m[3] ? decodeCwdField(m[3]) : undefined;
    return {
      outcome: 'match',
      end,
      marker: { kind: 'done', token: m[1] as string, status: Number(m[2]), cwd },
    };
  }
}

const none: Match = { outcome: 'none' };
const garbled = (end: number): Match => ({ outcome: 'match', end, marker: { kind: 'garbled' } });
// `;<token>` and `;<token>;<status>;<cwd>` after the key (tokens are hex, see createToken).
const TOKEN_ONLY = /^;([0-9a-f]{1,32})$/;
const DONE_FIELDS = /^;([0-9a-f]{1,32});(\d{1,3});([!-~]*)$/;
