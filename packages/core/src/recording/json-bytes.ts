// A JSON string literal made from UTF-8 bytes without decoding them: what `JSON.stringify(text)`
// gives, encoded as UTF-8, where `text` is the bytes decoded. Bytes with nothing to escape are
// the literal's content as they are (a scan, then a copy). Otherwise the bytes are read as
// Latin-1 (one character per byte, a plain copy) and escaped by `JSON.stringify`, which escapes
// exactly the bytes below 0x20, `"` and `\` — all ASCII, so the same as in the decoded text — and
// leaves the bytes of multi-byte characters (0x80–0xFF as Latin-1) alone; written back as Latin-1
// they are the original bytes. A recording writes every output chunk this way, where decoding to
// text, escaping and encoding back made two strings and two UTF-8 passes per chunk (recording's
// CPU ~5 → ~3 ms per MiB, docs/performance.md). Only valid UTF-8 is written this way: invalid
// bytes must become U+FFFD as the decoder makes them, so those chunks are decoded as text.
import { isUtf8 } from 'node:buffer';

/** 1 for each byte JSON escapes (below 0x20, `"`, `\`). */
const ESCAPED = Uint8Array.from({ length: 256 }, (_, byte) =>
  byte < 0x20 || byte === 0x22 || byte === 0x5c ? 1 : 0,
);

/**
 * A JSON string literal, quotes included: `plain` bytes between quotes when none needs escaping,
 * else `latin1`, the whole literal with one character per byte.
 */
export type JsonBytes =
  | { readonly source: Uint8Array; readonly plain: Uint8Array; readonly latin1?: undefined }
  | { readonly source: Uint8Array; readonly latin1: string; readonly plain?: undefined };

/** `bytes` as a JSON string literal, or undefined when they are not valid UTF-8. */
export function jsonBytesOf(bytes: Uint8Array): JsonBytes | undefined {
  if (!isUtf8(bytes)) return undefined;
  let i = 0;
  // Output with line ends stops this scan within its first line. Where nothing needs escaping,
  // the scan (~0.9 ns per byte) and one copy replace JSON.stringify (~1.1 ns per character in
  // V8 11, escapes or not) and its two Latin-1 copies.
  while (i < bytes.length && ESCAPED[bytes[i] as number] === 0) i++;
  if (i === bytes.length) return { source: bytes, plain: bytes };
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  return { source: bytes, latin1: JSON.stringify(text) };
}

/** Bytes of the literal. */
export function jsonBytesLength(json: JsonBytes): number {
  return json.plain ? json.plain.length + 2 : json.latin1.length;
}

/** Writes `json` into `buffer` at `at` (which has room for it); returns the end. */
export function writeJsonBytes(json: JsonBytes, buffer: Buffer, at: number): number {
  if (!json.plain) return at + buffer.write(json.latin1, at, 'latin1');
  buffer[at] = 0x22;
  buffer.set(json.plain, at + 1);
  buffer[at + 1 + json.plain.length] = 0x22;
  return at + json.plain.length + 2;
}
