import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { jsonBytesLength, jsonBytesOf, writeJsonBytes } from '../src/recording/json-bytes';

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
