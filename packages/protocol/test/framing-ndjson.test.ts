import { describe, expect, it } from 'vitest';
import { FrameTooLargeError } from '../src/errors';
import { NdjsonCodec } from '../src/framing/ndjson';
import type { JsonRpcMessage } from '../src/jsonrpc';

const utf8 = (text: string) => new TextEncoder().encode(text);

const unicode: JsonRpcMessage = {
  jsonrpc: '2.0',
  method: 'terminal.output',
  params: { data: 'line one\nline two\r\n — 日本語 👩‍💻🚀', offset: 3 },
};

describe('NdjsonCodec', () => {
  it('encodes one line per message even when strings hold newlines', () => {
    const text = new TextDecoder().decode(new NdjsonCodec().encode(unicode));
    expect(text.endsWith('\n')).toBe(true);
    expect(text.indexOf('\n')).toBe(text.length - 1);
    expect(JSON.parse(text)).toEqual(unicode);
  });

  it('round-trips unicode and emoji bodies', () => {
    const codec = new NdjsonCodec();
    expect(
      codec
        .createDecoder()
        .push(codec.encode(unicode))
        .map((f) => JSON.parse(f)),
    ).toEqual([unicode]);
  });

  it('decodes a line fed one byte at a time', () => {
    const codec = new NdjsonCodec();
    const bytes = codec.encode(unicode);
    const decoder = codec.createDecoder();
    const frames: string[] = [];
    for (let i = 0; i < bytes.length; i++) frames.push(...decoder.push(bytes.subarray(i, i + 1)));
    expect(frames.map((f) => JSON.parse(f))).toEqual([unicode]);
  });

  it('decodes CRLF-terminated lines split at every 2-way split point', () => {
    const bytes = utf8('{"a":"🚀"}\r\n\r\n{"b":"é"}\n');
    for (let split = 0; split <= bytes.length; split++) {
      const decoder = new NdjsonCodec().createDecoder();
      const frames = [...decoder.push(bytes.slice(0, split)), ...decoder.push(bytes.slice(split))];
      expect(frames, `split at ${split}`).toEqual(['{"a":"🚀"}', '{"b":"é"}']);
    }
  });

  it('skips empty lines and returns every line of a chunk', () => {
    const decoder = new NdjsonCodec().createDecoder();
    expect(decoder.push(utf8('\n\r\n1\n\n[2]\r\n"three"\n\r\n'))).toEqual(['1', '[2]', '"three"']);
  });

  it('keeps an unterminated line until its newline arrives', () => {
    const decoder = new NdjsonCodec().createDecoder();
    expect(decoder.push(utf8('{"x":'))).toEqual([]);
    expect(decoder.push(utf8('1}'))).toEqual([]);
    expect(decoder.push(utf8('\n'))).toEqual(['{"x":1}']);
  });

  describe('size limits', () => {
    it('accepts a line of exactly the limit, with or without CR', () => {
      const decoder = new NdjsonCodec({ maxFrameBytes: 4 }).createDecoder();
      expect(decoder.push(utf8('true\ntrue\r\n'))).toEqual(['true', 'true']);
    });

    it('rejects a long line as soon as it outgrows the limit, without waiting for its end', () => {
      const decoder = new NdjsonCodec({ maxFrameBytes: 1000 }).createDecoder();
      expect(decoder.push(utf8('x'.repeat(1000)))).toEqual([]);
      let error: unknown;
      try {
        decoder.push(utf8('x'.repeat(500)));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FrameTooLargeError);
      expect(error).toMatchObject({ limit: 1000 });
      // Stays failed: nothing after an oversized line can be trusted.
      expect(() => decoder.push(utf8('1\n'))).toThrow(FrameTooLargeError);
    });

    it('rejects a terminated line one byte over the limit', () => {
      const decoder = new NdjsonCodec({ maxFrameBytes: 4 }).createDecoder();
      expect(() => decoder.push(utf8('false\n'))).toThrow(FrameTooLargeError);
    });

    it('refuses to encode a message above the limit', () => {
      const codec = new NdjsonCodec({ maxFrameBytes: 16 });
      expect(() => codec.encode({ jsonrpc: '2.0', id: 1, result: 'x'.repeat(32) })).toThrow(
        FrameTooLargeError,
      );
    });
  });
});
