// LSP base-protocol framing: `Content-Length: N\r\n` (plus optional headers such as Content-Type)
// then `\r\n\r\n`, then N bytes of UTF-8 JSON. The decoder is a byte-at-a-time state machine for
// the small header and takes the body as views of the incoming chunks, joined once when complete,
// so input may be split anywhere and large bodies are never re-scanned or re-concatenated.
import { FrameTooLargeError, FramingError } from '../errors';
import type { JsonRpcMessage } from '../jsonrpc';
import {
  type FrameCodec,
  type FrameCodecOptions,
  type FrameDecoder,
  resolveMaxFrameBytes,
  StickyFailureDecoder,
  utf8DecodeChunks,
  utf8Encode,
} from './codec';

/** Largest header block accepted; real headers are well under 100 bytes. */
export const MAX_HEADER_BYTES = 8 * 1024;

const CR = 0x0d;
const LF = 0x0a;
const UTF8_CHARSETS = new Set(['utf-8', 'utf8']);

/** LSP-style `Content-Length` framing, the default for byte-stream transports. */
export class ContentLengthCodec implements FrameCodec {
  /** The payload limit in bytes. */
  readonly maxFrameBytes: number;

  constructor(options?: FrameCodecOptions) {
    this.maxFrameBytes = resolveMaxFrameBytes(options);
  }

  /** `Content-Length: N\r\n\r\n` followed by the UTF-8 JSON of `message`. */
  encode(message: JsonRpcMessage): Uint8Array {
    const body = utf8Encode(JSON.stringify(message));
    if (body.length > this.maxFrameBytes) throw new FrameTooLargeError(body.length, this.maxFrameBytes);
    const header = utf8Encode(`Content-Length: ${body.length}\r\n\r\n`);
    const frame = new Uint8Array(header.length + body.length);
    frame.set(header, 0);
    frame.set(body, header.length);
    return frame;
  }

  /** A decoder for one stream. */
  createDecoder(): FrameDecoder {
    return new ContentLengthDecoder(this.maxFrameBytes);
  }
}

class ContentLengthDecoder extends StickyFailureDecoder {
  private readonly header = new Uint8Array(MAX_HEADER_BYTES);
  private headerLength = 0;
  /** Body bytes still expected; -1 while reading a header. */
  private bodyRemaining = -1;
  private bodyLength = 0;
  private body: Uint8Array[] = [];
  constructor(private readonly maxFrameBytes: number) {
    super();
  }

  protected consume(bytes: Uint8Array): string[] {
    const frames: string[] = [];
    let index = 0;
    while (index < bytes.length) {
      if (this.bodyRemaining < 0) {
        index = this.readHeader(bytes, index);
        if (this.bodyRemaining === 0) frames.push(this.takeBody());
        continue;
      }
      const end = Math.min(bytes.length, index + this.bodyRemaining);
      this.body.push(bytes.subarray(index, end));
      this.bodyRemaining -= end - index;
      index = end;
      if (this.bodyRemaining === 0) frames.push(this.takeBody());
    }
    return frames;
  }

  /** Copies header bytes until `\r\n\r\n`; returns the index just past what it consumed. */
  private readHeader(bytes: Uint8Array, start: number): number {
    const header = this.header;
    for (let index = start; index < bytes.length; index++) {
      if (this.headerLength === MAX_HEADER_BYTES) {
        throw new FramingError(
          `Frame header exceeds ${MAX_HEADER_BYTES} bytes without a blank line; the peer is not sending Content-Length framing`,
        );
      }
      const byte = bytes[index] as number;
      const length = ++this.headerLength;
      header[length - 1] = byte;
      const blankLine =
        byte === LF &&
        length >= 4 &&
        header[length - 2] === CR &&
        header[length - 3] === LF &&
        header[length - 4] === CR;
      if (blankLine) {
        this.startBody(this.parseContentLength(length - 4));
        return index + 1;
      }
    }
    return bytes.length;
  }

  private parseContentLength(headerEnd: number): number {
    const text = String.fromCharCode(...this.header.subarray(0, headerEnd));
    let contentLength: string | undefined;
    for (const line of text === '' ? [] : text.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) {
        throw new FramingError(
          `Malformed frame header line ${JSON.stringify(line)}; expected "Name: value" lines such as "Content-Length: 42"`,
        );
      }
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') {
        if (!/^\d+$/.test(value)) {
          throw new FramingError(`Content-Length must be a decimal byte count, got ${JSON.stringify(value)}`);
        }
        if (contentLength !== undefined && Number(contentLength) !== Number(value)) {
          throw new FramingError(`Conflicting Content-Length headers (${contentLength} and ${value})`);
        }
        contentLength = value;
      } else if (name === 'content-type') {
        const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(value)?.[1];
        if (charset !== undefined && !UTF8_CHARSETS.has(charset.toLowerCase())) {
          throw new FramingError(`Unsupported charset ${JSON.stringify(charset)}; frames must be UTF-8`);
        }
      }
    }
    if (contentLength === undefined) {
      throw new FramingError(
        'Frame header has no Content-Length; every frame must start with "Content-Length: N"',
      );
    }
    const size = Number(contentLength);
    // Checked here, before a single body byte is buffered.
    if (size > this.maxFrameBytes) throw new FrameTooLargeError(size, this.maxFrameBytes);
    return size;
  }

  private startBody(size: number): void {
    this.headerLength = 0;
    this.bodyRemaining = size;
    this.bodyLength = size;
  }

  private takeBody(): string {
    const payload = utf8DecodeChunks(this.body, this.bodyLength);
    this.body = [];
    this.bodyRemaining = -1;
    return payload;
  }
}
