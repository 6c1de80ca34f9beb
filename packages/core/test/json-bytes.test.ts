import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isPlainFrom, jsonBytesLength, jsonBytesOf, writeJsonBytes } from '../src/recording/json-bytes';
import { SCAN_WINDOW, simdScanner } from '../src/recording/plain-scan';

const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const strict = new TextDecoder('utf-8', { ignoreBOM: true, fatal: true });

/** What the recorder wrote before: the decoded text through JSON.stringify, as UTF-8. */
const viaText = (bytes: Uint8Array): Buffer => Buffer.from(JSON.stringify(decoder.decode(bytes)), 'utf8');

function written(bytes: Uint8Array): Buffer | undefined {
  const literal = jsonBytesOf(bytes);
  if (!literal) return undefined;
  const buffer = Buffer.alloc(jsonBytesLength(literal) + 8, 0xee);
  const end = writeJsonBytes(literal, buffer, 4);
  expect(end - 4).toBe(jsonBytesLength(literal));
  // Nothing outside the literal's room was touched.
  expect(buffer.subarray(0, 4).every((b) => b === 0xee)).toBe(true);
  expect(buffer.subarray(end).every((b) => b === 0xee)).toBe(true);
  return buffer.subarray(4, end);
}

describe('JSON string literals from UTF-8 bytes', () => {
  test('every ASCII byte is escaped as JSON.stringify escapes it', () => {
    for (let byte = 0; byte < 0x80; byte++) {
      const bytes = Uint8Array.of(0x61, byte, 0x62);
      expect(written(bytes)?.toString('latin1'), `byte 0x${byte.toString(16)}`).toBe(
        viaText(bytes).toString('latin1'),
      );
    }
  });

  test('text of any characters (terminal output, escapes, emoji) gives the bytes JSON.stringify gives', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        // Lone surrogates cannot be encoded; the encoder makes them U+FFFD, which is valid UTF-8.
        const bytes = new Uint8Array(Buffer.from(text, 'utf8'));
        expect(written(bytes)).toEqual(viaText(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  test('arbitrary bytes: valid UTF-8 is written exactly, anything else is refused for the text path', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        let valid = true;
        try {
          strict.decode(bytes);
        } catch {
          valid = false;
        }
        const out = written(bytes);
        if (valid) expect(out).toEqual(viaText(bytes));
        else expect(out).toBeUndefined();
      }),
      { numRuns: 5000 },
    );
  });

  test('sequences at the edges of UTF-8: overlong, surrogates, past U+10FFFF, BOM, U+2028, DEL', () => {
    const invalid = [
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xc0, 0x80],
      [0xe0, 0x80, 0x80],
      [0xc3],
      [0x80],
    ];
    for (const bytes of invalid) expect(written(Uint8Array.from(bytes)), String(bytes)).toBeUndefined();
    const valid = [
      [0xef, 0xbb, 0xbf],
      [0xe2, 0x80, 0xa8],
      [0xe2, 0x80, 0xa9],
      [0x7f],
      [0xf4, 0x8f, 0xbf, 0xbf],
      [0xc2, 0x80],
    ];
    for (const bytes of valid) {
      const array = Uint8Array.from([0x22, ...bytes, 0x0a]);
      expect(written(array), String(bytes)).toEqual(viaText(array));
    }
  });

  test('a view into a larger buffer writes only its own bytes', () => {
    const whole = Buffer.from('before"\r\n€after', 'utf8');
    const view = whole.subarray(6, 12);
    expect(written(view)).toEqual(viaText(view));
  });
});

// The scan reads long chunks four bytes at a time, from a multiple of 4 in their memory: these put
// every byte that needs escaping, and every near miss, at every position of chunks starting at
// each offset of their memory, short ones and ones long enough for words with every tail length.
describe('the scan for a byte to escape, at any position and any offset', () => {
  const TO_ESCAPE = [...Array.from({ length: 0x20 }, (_, byte) => byte), 0x22, 0x5c];
  const LENGTHS = [1, 2, 3, 4, 5, 41, 191, 192, 193, 194, 195, 263];
  /** ASCII near misses in a cycle of 7, so that words hold them in every order. */
  const FILLER = [0x20, 0x21, 0x23, 0x5b, 0x5d, 0x7f, 0x78];

  /**
   * `content` at `offset` in memory of its own, between bytes that need escaping, so that a scan
   * reading outside its chunk finds one.
   */
  function chunkAt(offset: number, content: Uint8Array): Buffer {
    const memory = Buffer.alloc(offset + content.length + 4, 0x0a);
    memory.set(content, offset);
    const chunk = memory.subarray(offset, offset + content.length);
    expect(chunk.byteOffset).toBe(offset);
    return chunk;
  }
  const filler = (length: number) =>
    Uint8Array.from({ length }, (_, i) => FILLER[i % FILLER.length] as number);

  test('near misses alone are not escaped, and the bytes around a chunk are not read', () => {
    for (let offset = 0; offset < 4; offset++) {
      for (const length of LENGTHS) {
        const chunk = chunkAt(offset, filler(length));
        expect(jsonBytesOf(chunk)?.plain, `offset ${offset}, length ${length}`).toBe(chunk);
      }
    }
  });

  test('every byte to escape is found at every position', () => {
    const missed: string[] = [];
    for (let offset = 0; offset < 4; offset++) {
      for (const length of LENGTHS) {
        const chunk = chunkAt(offset, filler(length));
        for (let at = 0; at < length; at++) {
          const before = chunk[at] as number;
          for (const byte of TO_ESCAPE) {
            chunk[at] = byte;
            const literal = jsonBytesOf(chunk);
            if (literal?.latin1 !== JSON.stringify(chunk.toString('latin1'))) {
              missed.push(`0x${byte.toString(16)} at ${at} of ${length}, offset ${offset}`);
            }
          }
          chunk[at] = before;
        }
      }
    }
    expect(missed).toEqual([]);
  });

  test('bytes of multi-byte characters with the low bits of a byte to escape are not escaped', () => {
    // 0x80–0x9F, 0xA2 and 0xDC are 0x00–0x1F, `"` and `\` with the top bit set. (0xFF never
    // appears in UTF-8: isUtf8 refuses it before the scan.)
    const characters = [
      '\u0080', // c2 80
      '\u009f', // c2 9f
      '\u00a2', // c2 a2
      '\u00dc', // c3 9c
      '\u00ff', // c3 bf
      '\u071c', // dc 9c
      '\u0722', // dc a2
      '\u07ff', // df bf
      '\u2028', // e2 80 a8
      '\ufeff', // ef bb bf
      '\uffff', // ef bf bf
      '\u{1f600}', // f0 9f 98 80
      '\u{10ffff}', // f4 8f bf bf
    ];
    const flagged: string[] = [];
    for (const character of characters) {
      const encoded = Buffer.from(character, 'utf8');
      for (let offset = 0; offset < 4; offset++) {
        for (const length of LENGTHS) {
          const chunk = chunkAt(offset, filler(length));
          for (let at = 0; at + encoded.length <= length; at++) {
            const before = Buffer.from(chunk.subarray(at, at + encoded.length));
            chunk.set(encoded, at);
            if (jsonBytesOf(chunk)?.plain !== chunk) {
              flagged.push(`${encoded.toString('hex')} at ${at} of ${length}, offset ${offset}`);
            }
            chunk.set(before, at);
          }
        }
      }
    }
    expect(flagged).toEqual([]);
  });

  test('a long chunk with nothing to escape but its first, middle or last byte', () => {
    const length = 65536 + 3;
    for (let offset = 0; offset < 4; offset++) {
      const chunk = chunkAt(offset, filler(length));
      expect(jsonBytesOf(chunk)?.plain).toBe(chunk);
      // The SIMD scan copies windows of SCAN_WINDOW bytes from byte 128 on and pads each to 16.
      const windowEdges = [1, 2, 3].flatMap((w) => [-1, 0, 1, 15, 16].map((d) => 128 + w * SCAN_WINDOW + d));
      for (const at of [
        0,
        127,
        128,
        129,
        130,
        131,
        143,
        144,
        32768,
        ...windowEdges,
        length - 17,
        length - 4,
        length - 3,
        length - 2,
        length - 1,
      ]) {
        const before = chunk[at] as number;
        chunk[at] = 0x5c;
        expect(jsonBytesOf(chunk)?.latin1, `at ${at}, offset ${offset}`).toBe(
          JSON.stringify(chunk.toString('latin1')),
        );
        chunk[at] = before;
      }
    }
  });
});

describe('the SIMD scan and the scan in JavaScript', () => {
  /** Byte at a time: whether no byte of `bytes` from `from` on needs escaping. */
  const reference = (bytes: Uint8Array, from: number): boolean =>
    bytes.subarray(from).every((byte) => byte >= 0x20 && byte !== 0x22 && byte !== 0x5c);

  test('WebAssembly SIMD is available here, so the tests above ran the SIMD scan', () => {
    expect(simdScanner()).toBeDefined();
  });

  test('both agree with a byte-at-a-time scan on any bytes, any length, start and offset', () => {
    const simd = simdScanner();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 2 * SCAN_WINDOW + 40 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
        fc.nat(),
        (offset, length, bytes, start) => {
          const memory = Buffer.alloc(offset + length + 16, 0x0a);
          const chunk = memory.subarray(offset, offset + length).fill(0x78);
          for (const [at, byte] of bytes) if (length > 0) chunk[at % length] = byte;
          const from = length === 0 ? 0 : start % length;
          const expected = reference(chunk, from);
          expect(isPlainFrom(chunk, from)).toBe(expected);
          if (simd) expect(simd.plain(chunk, from)).toBe(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
