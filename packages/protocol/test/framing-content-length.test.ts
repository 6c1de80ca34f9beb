import { describe, expect, it } from 'vitest';
import { ErrorCode, FrameTooLargeError, FramingError } from '../src/errors';
import { DEFAULT_MAX_FRAME_BYTES } from '../src/framing/codec';
import { ContentLengthCodec, MAX_HEADER_BYTES } from '../src/framing/content-length';
import type { JsonRpcMessage } from '../src/jsonrpc';

const ascii = (text: string) => new TextEncoder().encode(text);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
};

const unicode: JsonRpcMessage = {
  jsonrpc: '2.0',
  id: 7,
  method: 'terminal.write',
  params: { data: 'héllo wörld — 日本語 👩‍💻🚀 \u0000 "quoted" \\ \n' },
};

describe('ContentLengthCodec', () => {
  it('writes LSP framing with the body length in UTF-8 bytes', () => {
    const codec = new ContentLengthCodec();
    const frame = codec.encode({ jsonrpc: '2.0', method: 'x', params: ['🚀'] });
    const body = '{"jsonrpc":"2.0","method":"x","params":["🚀"]}';
    const bodyBytes = ascii(body).length;
    expect(bodyBytes).toBe(body.length + 2); // the rocket is 2 UTF-16 units but 4 bytes
    expect(new TextDecoder().decode(frame)).toBe(`Content-Length: ${bodyBytes}\r\n\r\n${body}`);
    expect(codec.maxFrameBytes).toBe(DEFAULT_MAX_FRAME_BYTES);
  });

  it('round-trips unicode and emoji bodies', () => {
    const codec = new ContentLengthCodec();
    const frames = codec.createDecoder().push(codec.encode(unicode));
    expect(frames.map((f) => JSON.parse(f))).toEqual([unicode]);
  });

  it('decodes a frame fed one byte at a time', () => {
    const codec = new ContentLengthCodec();
    const bytes = codec.encode(unicode);
    const decoder = codec.createDecoder();
    const frames: string[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const out = decoder.push(bytes.subarray(i, i + 1));
      if (i < bytes.length - 1) expect(out).toEqual([]);
      frames.push(...out);
    }
    expect(frames.map((f) => JSON.parse(f))).toEqual([unicode]);
  });

  it('decodes two frames split at every 2-way split point', () => {
    const codec = new ContentLengthCodec();
    const second: JsonRpcMessage = {
      jsonrpc: '2.0',
      id: 'b',
      result: { emoji: '🧪' },
    };
    const bytes = concat(codec.encode(unicode), codec.encode(second));
    for (let split = 0; split <= bytes.length; split++) {
      const decoder = codec.createDecoder();
      const frames = [...decoder.push(bytes.slice(0, split)), ...decoder.push(bytes.slice(split))];
      expect(
        frames.map((f) => JSON.parse(f)),
        `split at ${split}`,
      ).toEqual([unicode, second]);
    }
  });

  it('returns every frame of a chunk that holds several', () => {
    const codec = new ContentLengthCodec();
    const messages: JsonRpcMessage[] = Array.from({ length: 5 }, (_, i) => ({
      jsonrpc: '2.0',
      id: i,
      result: i,
    }));
    const frames = codec.createDecoder().push(concat(...messages.map((m) => codec.encode(m))));
    expect(frames.map((f) => JSON.parse(f))).toEqual(messages);
  });

  it('accepts Content-Type, any header case and order, and ignores unknown headers', () => {
    const body = '{"jsonrpc":"2.0","id":1,"result":"ok"}';
    const decoder = new ContentLengthCodec().createDecoder();
    const input = [
      `content-type: application/vscode-jsonrpc; charset=utf-8\r\nCONTENT-LENGTH:${body.length}\r\n\r\n${body}`,
      `X-Trace: abc\r\nContent-Length:   ${body.length}  \r\nContent-Type: application/json; charset="utf8"\r\n\r\n${body}`,
    ].join('');
    expect(decoder.push(ascii(input))).toEqual([body, body]);
  });

  it('decodes an empty body as an empty payload', () => {
    expect(new ContentLengthCodec().createDecoder().push(ascii('Content-Length: 0\r\n\r\n'))).toEqual(['']);
  });

  it('decodes a large body delivered in many chunks', () => {
    const codec = new ContentLengthCodec();
    const message: JsonRpcMessage = {
      jsonrpc: '2.0',
      id: 1,
      result: 'é'.repeat(3 * 1024 * 1024),
    };
    const bytes = codec.encode(message);
    const decoder = codec.createDecoder();
    const frames: string[] = [];
    for (let i = 0; i < bytes.length; i += 65_537)
      frames.push(...decoder.push(bytes.subarray(i, i + 65_537)));
    expect(frames).toHaveLength(1);
    expect(JSON.parse(frames[0] as string)).toEqual(message);
  });

  describe('size limits', () => {
    it('rejects a declared length above the limit before any body byte arrives', () => {
      const decoder = new ContentLengthCodec({
        maxFrameBytes: 100,
      }).createDecoder();
      const error = (() => {
        try {
          decoder.push(ascii('Content-Length: 101\r\n\r\n'));
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(FrameTooLargeError);
      expect(error).toMatchObject({
        size: 101,
        limit: 100,
        code: ErrorCode.PayloadTooLarge,
      });
    });

    it('accepts a body of exactly the limit', () => {
      const decoder = new ContentLengthCodec({
        maxFrameBytes: 4,
      }).createDecoder();
      expect(decoder.push(ascii('Content-Length: 4\r\n\r\ntrue'))).toEqual(['true']);
    });

    it('refuses to encode a message above the limit', () => {
      const codec = new ContentLengthCodec({ maxFrameBytes: 32 });
      expect(() => codec.encode({ jsonrpc: '2.0', id: 1, result: 'x'.repeat(64) })).toThrow(
        FrameTooLargeError,
      );
    });

    it('rejects a header that grows past the header limit without a blank line', () => {
      const decoder = new ContentLengthCodec().createDecoder();
      expect(decoder.push(ascii(`X-Pad: ${'a'.repeat(MAX_HEADER_BYTES - 10)}`))).toEqual([]);
      expect(() => decoder.push(ascii('b'.repeat(100)))).toThrow(FramingError);
    });

    it('rejects an invalid limit option', () => {
      expect(() => new ContentLengthCodec({ maxFrameBytes: 0 })).toThrow(RangeError);
      expect(() => new ContentLengthCodec({ maxFrameBytes: 1.5 })).toThrow(RangeError);
    });
  });

  describe('bad headers', () => {
    const cases: [string, string][] = [
      ['missing Content-Length', 'Content-Type: application/json\r\n\r\n{}'],
      ['empty header block', '\r\n\r\n{}'],
      ['non-numeric length', 'Content-Length: twelve\r\n\r\n{}'],
      ['negative length', 'Content-Length: -2\r\n\r\n{}'],
      ['fractional length', 'Content-Length: 2.0\r\n\r\n{}'],
      ['conflicting lengths', 'Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}'],
      ['a line without a colon', 'Content-Length 2\r\n\r\n{}'],
      ['raw JSON instead of a header', '{"jsonrpc":"2.0"}\r\n\r\n'],
      [
        'a charset other than UTF-8',
        'Content-Length: 2\r\nContent-Type: text/plain; charset=latin1\r\n\r\n{}',
      ],
    ];
    it.each(cases)('rejects %s with FramingError', (_name, input) => {
      expect(() => new ContentLengthCodec().createDecoder().push(ascii(input))).toThrow(FramingError);
    });

    it('stays failed after bad framing', () => {
      const codec = new ContentLengthCodec();
      const decoder = codec.createDecoder();
      expect(() => decoder.push(ascii('Bogus\r\n\r\n'))).toThrow(FramingError);
      expect(() => decoder.push(codec.encode({ jsonrpc: '2.0', method: 'ok' }))).toThrow(FramingError);
    });

    it('tolerates a repeated identical Content-Length', () => {
      const decoder = new ContentLengthCodec().createDecoder();
      expect(decoder.push(ascii('Content-Length: 2\r\ncontent-length: 02\r\n\r\n{}'))).toEqual(['{}']);
    });
  });
});
