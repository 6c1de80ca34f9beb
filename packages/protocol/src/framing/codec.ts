// The framing contract shared by byte-stream transports: a codec turns one JSON-RPC message into
// the bytes of one frame, and a stateful decoder finds frame payloads in bytes that arrive split
// at arbitrary points. Browser-safe: bytes are Uint8Array, text goes through TextEncoder/Decoder.
import type { JsonRpcMessage } from '../jsonrpc';

/** Default upper bound of one frame's payload: 16 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** Options every codec accepts. */
export interface FrameCodecOptions {
  /** Largest payload accepted or produced, in bytes. Default {@link DEFAULT_MAX_FRAME_BYTES}. */
  maxFrameBytes?: number;
}

/** Incremental decoder for one byte stream; create one per connection. */
export interface FrameDecoder {
  /**
   * Feeds the next bytes and returns the payloads of the frames they completed, in order.
   * Throws `FrameTooLargeError` or `FramingError` on bad input; the decoder then stays failed,
   * because nothing after broken framing can be trusted. The decoder may keep views of `bytes`
   * until their frame completes, so callers must not reuse the buffer.
   */
  push(bytes: Uint8Array): string[];
}

/** Turns messages into frames and byte streams back into frame payloads (JSON text). */
export interface FrameCodec {
  /** The limit this codec enforces on payloads, in bytes. */
  readonly maxFrameBytes: number;
  /** One message as the bytes of one frame; throws `FrameTooLargeError` above the limit. */
  encode(message: JsonRpcMessage): Uint8Array;
  /** A fresh decoder for one stream. */
  createDecoder(): FrameDecoder;
}

/** Validates the `maxFrameBytes` option, falling back to the default. */
export function resolveMaxFrameBytes(options: FrameCodecOptions | undefined): number {
  const limit = options?.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(`maxFrameBytes must be a positive integer, got ${String(limit)}`);
  }
  return limit;
}

const encoder = new TextEncoder();
// Not fatal: invalid UTF-8 becomes U+FFFD and the frame then fails (or passes) JSON parsing on its
// own, instead of tearing down a stream whose framing is still intact.
const decoder = new TextDecoder('utf-8');

/** UTF-8 bytes of a string. */
export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes a complete payload that was collected as one or more chunks (copied once at most). */
export function utf8DecodeChunks(chunks: readonly Uint8Array[], totalBytes: number): string {
  if (chunks.length === 1) return decoder.decode(chunks[0]);
  const joined = new Uint8Array(totalBytes);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return decoder.decode(joined);
}

/**
 * Base of the stream decoders: once a push fails (oversized frame, broken framing) the stream
 * cannot be trusted any more, so every later push rethrows that first error.
 */
export abstract class StickyFailureDecoder implements FrameDecoder {
  private failure: Error | undefined;

  /** Decodes `bytes` into the frames they complete. */
  push(bytes: Uint8Array): string[] {
    if (this.failure) throw this.failure;
    try {
      return this.consume(bytes);
    } catch (error) {
      this.failure = error as Error;
      throw error;
    }
  }

  /** Consumes one chunk; throws FrameTooLargeError or FramingError on bad input. */
  protected abstract consume(bytes: Uint8Array): string[];
}
