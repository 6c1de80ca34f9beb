// Newline-delimited JSON framing: one JSON document per `\n`-terminated line. `\r\n` is tolerated
// and empty lines are skipped. Lines are found with the native `indexOf` and kept as views of the
// incoming chunks until complete; a line is rejected as soon as it outgrows the limit.
import { FrameTooLargeError } from '../errors';
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

const CR = 0x0d;
const LF = 0x0a;

/** NDJSON framing (JSON Lines): simple to produce from any language or a shell. */
export class NdjsonCodec implements FrameCodec {
  /** The payload limit in bytes (the line without its terminator). */
  readonly maxFrameBytes: number;

  constructor(options?: FrameCodecOptions) {
    this.maxFrameBytes = resolveMaxFrameBytes(options);
  }

  /** The JSON of `message` followed by `\n`; JSON.stringify never emits a raw newline. */
  encode(message: JsonRpcMessage): Uint8Array {
    const line = utf8Encode(`${JSON.stringify(message)}\n`);
    const size = line.length - 1;
    if (size > this.maxFrameBytes) throw new FrameTooLargeError(size, this.maxFrameBytes);
    return line;
  }

  /** A decoder for one stream. */
  createDecoder(): FrameDecoder {
    return new NdjsonDecoder(this.maxFrameBytes);
  }
}

class NdjsonDecoder extends StickyFailureDecoder {
  private line: Uint8Array[] = [];
  private lineBytes = 0;
  constructor(private readonly maxFrameBytes: number) {
    super();
  }

  protected consume(bytes: Uint8Array): string[] {
    const frames: string[] = [];
    let start = 0;
    while (start < bytes.length) {
      const newline = bytes.indexOf(LF, start);
      this.append(bytes.subarray(start, newline === -1 ? bytes.length : newline));
      if (newline === -1) break;
      const frame = this.takeLine();
      if (frame !== undefined) frames.push(frame);
      start = newline + 1;
    }
    return frames;
  }

  private append(piece: Uint8Array): void {
    if (piece.length === 0) return;
    this.lineBytes += piece.length;
    // One extra byte of slack: a trailing `\r` is not part of the payload.
    if (this.lineBytes > this.maxFrameBytes + 1) {
      throw new FrameTooLargeError(this.lineBytes, this.maxFrameBytes);
    }
    this.line.push(piece);
  }

  /** The completed line without `\r`, or undefined for an empty line. */
  private takeLine(): string | undefined {
    const pieces = this.line;
    let size = this.lineBytes;
    this.line = [];
    this.lineBytes = 0;
    const last = pieces[pieces.length - 1];
    if (last !== undefined && last[last.length - 1] === CR) {
      size -= 1;
      if (last.length === 1) pieces.pop();
      else pieces[pieces.length - 1] = last.subarray(0, last.length - 1);
    }
    if (size === 0) return undefined;
    if (size > this.maxFrameBytes) throw new FrameTooLargeError(size, this.maxFrameBytes);
    return utf8DecodeChunks(pieces, size);
  }
}
