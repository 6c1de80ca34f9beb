// The `orchflow.v1+binary-output` WebSocket subprotocol, server side: which subprotocol to accept
// at the upgrade, and the binary frame a `terminal.output` notification becomes once a client
// accepted it. The frame is a 4-byte big-endian length, that many bytes of the notification as
// JSON without `params.data`, then `data` as raw UTF-8 — for live output, the PTY's own bytes,
// never decoded on the server. It exists because JSON-escaping a large
// output string and encoding the frame was the main per-MiB cost of WebSocket streaming.
import { Buffer } from 'node:buffer';
import type { JsonRpcMessage } from '@orchflow/protocol';
import { rawOutputOf } from '@orchflow/terminal/internal';

/** The WebSocket subprotocol under which `terminal.output` travels as binary frames. */
export const WS_BINARY_OUTPUT_PROTOCOL = 'orchflow.v1+binary-output';
/** The subprotocol of plain JSON frames, which clients offer after the binary one. */
export const WS_JSON_PROTOCOL = 'orchflow.v1';
/** Bytes of the big-endian length that starts a binary output frame. */
const LENGTH_BYTES = 4;

/**
 * The subprotocol to accept from those a client offered, or false for none. Only the binary one
 * changes what is sent; the others are JSON, and choosing one keeps `ws` clients (which fail a
 * handshake that picks none of their offers) connected when binary output is off.
 */
export function selectProtocol(offered: ReadonlySet<string>, binaryOutput: boolean): string | false {
  if (binaryOutput && offered.has(WS_BINARY_OUTPUT_PROTOCOL)) return WS_BINARY_OUTPUT_PROTOCOL;
  if (offered.has(WS_JSON_PROTOCOL)) return WS_JSON_PROTOCOL;
  // Other clients keep what `ws` does without this hook: their first offer is accepted.
  for (const protocol of offered) if (protocol !== WS_BINARY_OUTPUT_PROTOCOL) return protocol;
  return false;
}

/**
 * The binary frame of `message`, or undefined when it must stay a JSON text frame: anything but a
 * single `terminal.output` with UTF-8 text (base64 output keeps its JSON form), text holding
 * lone surrogates, which UTF-8 cannot carry but JSON escapes, and — where the output's own bytes
 * are not attached — text holding U+FFFD: it may stand for bytes that were not UTF-8, so its
 * encoding would not be the bytes of [offset, nextOffset), which clients hand out as the output's
 * own (`event.bytes`).
 */
export function encodeBinaryOutput(
  message: JsonRpcMessage,
  /** Memory for the frame (e.g. a {@link FramePool}'s `take`); fresh by default. */
  alloc: (size: number) => Buffer = Buffer.allocUnsafe,
): Buffer | undefined {
  if (Array.isArray(message) || !('method' in message) || message.method !== 'terminal.output') {
    return undefined;
  }
  const params = message.params;
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return undefined;
  const raw = rawOutputOf(params);
  if (raw) return rawFrame(message, params as Record<string, unknown>, raw, alloc);
  const { data, ...rest } = params as Record<string, unknown>;
  if (typeof data !== 'string' || (rest.encoding ?? 'utf8') !== 'utf8') return undefined;
  if (!wellFormed(data) || data.includes('\uFFFD')) return undefined;
  const header = JSON.stringify({ ...message, params: rest });
  const headerBytes = Buffer.byteLength(header);
  const frame = alloc(LENGTH_BYTES + headerBytes + Buffer.byteLength(data));
  frame.writeUInt32BE(headerBytes, 0);
  frame.write(header, LENGTH_BYTES, 'utf8');
  frame.write(data, LENGTH_BYTES + headerBytes, 'utf8');
  return frame;
}

/**
 * The frame of live output whose raw bytes the pipeline attached: the bytes go into the frame as
 * they came from the PTY, and `data` is never decoded here (reading it would decode it). Bytes that
 * are not valid UTF-8 decode on the client to the same U+FFFD the server's decoder would produce.
 */
function rawFrame(
  message: object,
  params: Record<string, unknown>,
  raw: Uint8Array,
  alloc: (size: number) => Buffer,
): Buffer {
  const rest: Record<string, unknown> = {};
  for (const key of Object.keys(params)) if (key !== 'data') rest[key] = params[key];
  const header = JSON.stringify({ ...message, params: rest });
  const headerBytes = Buffer.byteLength(header);
  const frame = alloc(LENGTH_BYTES + headerBytes + raw.byteLength);
  frame.writeUInt32BE(headerBytes, 0);
  frame.write(header, LENGTH_BYTES, 'utf8');
  frame.set(raw, LENGTH_BYTES + headerBytes);
  return frame;
}

// `String.prototype.isWellFormed` is in Node ≥ 20 but not in the ES2023 lib this repo compiles to.
function wellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}
