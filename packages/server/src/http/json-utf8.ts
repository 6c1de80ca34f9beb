// A JSON string literal written straight from UTF-8 bytes: the same text as
// `JSON.stringify(utf8Decoder.decode(bytes))` (terminal's decoder, which keeps a leading BOM as
// U+FEFF: `new TextDecoder('utf-8', { ignoreBOM: true })`), encoded as UTF-8, without decoding the bytes
// to a string and encoding the JSON back. SSE events carry live terminal output this way: decoding
// each chunk, escaping it as a string and encoding that again cost the HTTP stream most of its
// CPU, and each step left a chunk-sized string for the garbage collector.
// Valid UTF-8 sequences are copied as they are; an ill-formed one becomes U+FFFD exactly where
// TextDecoder puts one (WHATWG's decoder: one per maximal subpart, including a sequence cut off by
// the end); `"`, `\` and controls below U+0020 are escaped as JSON.stringify escapes them.

/** UTF-8 of U+FFFD, what the decoder puts in place of an ill-formed sequence. */
const REPLACEMENT = [0xef, 0xbf, 0xbd] as const;
const HEX = '0123456789abcdef';
/** JSON.stringify's short escapes; other controls get `\u00XX`. */
const SHORT_ESCAPES: Readonly<Record<number, number>> = {
  8: 0x62, // \b
  9: 0x74, // \t
  10: 0x6e, // \n
  12: 0x66, // \f
  13: 0x72, // \r
  34: 0x22, // \"
  92: 0x5c, // \\
};

/** 1 for the bytes a JSON string holds as they are: ASCII from U+0020 except `"` and `\`. */
const COPIED = new Uint8Array(256);
for (let b = 0x20; b < 0x80; b++) COPIED[b] = b === 0x22 || b === 0x5c ? 0 : 1;

/** Most bytes the JSON string of `byteLength` bytes can take (every byte `\u00XX`), quotes included. */
export function jsonUtf8MaxLength(byteLength: number): number {
  return byteLength * 6 + 2;
}

/**
 * Writes the JSON string literal (with its quotes) of the UTF-8 decoding of `bytes` into `out` at
 * `at`; returns the offset after it. `out` must have {@link jsonUtf8MaxLength} bytes free.
 */
export function writeJsonUtf8(bytes: Uint8Array, out: Uint8Array, at: number): number {
  let o = at;
  out[o++] = 0x22;
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    // A run of ASCII that needs no escape (most output) is found first and copied at once.
    const start = i;
    // Four bytes per step while all four can be copied as they are (half the time of one by one).
    while (
      i + 4 <= n &&
      ((COPIED[bytes[i] as number] as number) &
        (COPIED[bytes[i + 1] as number] as number) &
        (COPIED[bytes[i + 2] as number] as number) &
        (COPIED[bytes[i + 3] as number] as number)) ===
        1
    ) {
      i += 4;
    }
    while (i < n && COPIED[bytes[i] as number] === 1) i++;
    if (i > start) {
      if (i - start > 32) out.set(bytes.subarray(start, i), o);
      else for (let k = start; k < i; k++) out[o + k - start] = bytes[k] as number;
      o += i - start;
      if (i === n) break;
    }
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      out[o++] = 0x5c;
      const short = SHORT_ESCAPES[b];
      if (short !== undefined) {
        out[o++] = short;
        continue;
      }
      out[o++] = 0x75; // u00XX
      out[o++] = 0x30;
      out[o++] = 0x30;
      out[o++] = HEX.charCodeAt(b >> 4);
      out[o++] = HEX.charCodeAt(b & 0xf);
      continue;
    }
    const length = sequenceLength(bytes, i);
    if (length > 0) {
      for (let k = 0; k < length; k++) out[o++] = bytes[i + k] as number;
      i += length;
      continue;
    }
    // Ill-formed: one U+FFFD for the lead byte and the continuation bytes that fit it (at least 1).
    i += Math.max(1, -length);
    out[o++] = REPLACEMENT[0];
    out[o++] = REPLACEMENT[1];
    out[o++] = REPLACEMENT[2];
  }
  out[o++] = 0x22;
  return o;
}

/**
 * The length of the well-formed sequence at `i` (lead byte ≥ 0x80), or minus the length of its
 * maximal ill-formed subpart (0 when the lead byte itself cannot start a sequence).
 */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const lead = bytes[i] as number;
  let need: number;
  let lower = 0x80;
  let upper = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) need = 1;
  else if (lead >= 0xe0 && lead <= 0xef) {
    need = 2;
    if (lead === 0xe0) lower = 0xa0;
    else if (lead === 0xed) upper = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    need = 3;
    if (lead === 0xf0) lower = 0x90;
    else if (lead === 0xf4) upper = 0x8f;
  } else return 0;
  for (let k = 1; k <= need; k++) {
    const next = bytes[i + k];
    // Cut off by the end, or a byte that cannot continue it: the bytes so far are one subpart.
    if (next === undefined || next < lower || next > upper) return -k;
    lower = 0x80;
    upper = 0xbf;
  }
  return need + 1;
}
