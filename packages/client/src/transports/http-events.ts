// The events of an HTTP session's stream, read in either format the server writes: Server-Sent
// Events, or the length-prefixed binary frames (`application/vnd.orchflow.events`) a client gets
// when it creates its session with `POST /v1/rpc?events=frames`. A frame is a 4-byte big-endian
// length of what follows, a kind byte, the event id as an 8-byte big-endian float (0: none), then
// the payload: 1 a JSON-RPC message as JSON, 2 a `terminal.output` notification in the WebSocket
// binary output layout (its text decoded only when read), 3 the error ending the stream, 4 a
// keep-alive (the names and numbers are @orchflow/protocol's http-wire.ts, shared with the server).
// Output thus arrives as the PTY's bytes instead of an escaped JSON string.
import {
  EVENT_FRAMES_MEDIA_TYPE,
  EventFrameKind,
  EVENT_FRAME_HEAD_BYTES as HEAD_BYTES,
  type JsonRpcMessage,
} from '@orchflow/protocol/runtime';
import { parseJson } from './http-exchange';
import { joined, readSse } from './http-sse';
import { decodeBinaryOutput } from './websocket-binary';

/** One event of the stream. */
export type SessionStreamEvent =
  /** A message; `message` is undefined when the event held no valid one. */
  | { type: 'message'; id: string | undefined; message: JsonRpcMessage | undefined }
  /** The server ended the stream for `error` (`{ code, message, data? }`, unchecked). */
  | { type: 'error'; error: unknown };

/** Largest frame accepted (the server's output events are ~64 KiB; messages are bounded too). */
const MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** The events of `body`, parsed as the `contentType` the server answered with. */
export function readSessionEvents(
  body: AsyncIterable<Uint8Array>,
  contentType: string | null,
): AsyncGenerator<SessionStreamEvent> {
  const frames = contentType?.split(';')[0]?.trim().toLowerCase() === EVENT_FRAMES_MEDIA_TYPE;
  return frames ? readFrames(body) : fromSse(body);
}

async function* fromSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SessionStreamEvent> {
  for await (const event of readSse(body)) {
    if (event.event === 'error') yield { type: 'error', error: parseJson(event.data) };
    else
      yield { type: 'message', id: event.id, message: parseJson(event.data) as JsonRpcMessage | undefined };
  }
}

/** Parses `body` as frames; throws on a frame that cannot be one (the stream is then dropped). */
export async function* readFrames(body: AsyncIterable<Uint8Array>): AsyncGenerator<SessionStreamEvent> {
  // Bytes of an unfinished frame: the chunks' ends, joined once the frame is whole, and its
  // length once its first four bytes are in (found once, not per chunk).
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let needed: number | undefined;
  for await (const chunk of body) {
    let buffer = chunk;
    if (pendingBytes > 0) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (needed === undefined && pendingBytes >= 4) needed = 4 + lengthAt(firstBytes(pending, 4), 0);
      if (needed === undefined || pendingBytes < needed) continue;
      // Only the frame is copied: the rest of this chunk stays a view, as frames within a chunk do.
      const end = chunk.length - (pendingBytes - needed);
      pending[pending.length - 1] = chunk.subarray(0, end);
      const event = frameEvent(joined(pending));
      pending = [];
      pendingBytes = 0;
      needed = undefined;
      if (event) yield event;
      buffer = chunk.subarray(end);
    }
    let at = 0;
    while (buffer.length - at >= 4) {
      const end = at + 4 + lengthAt(buffer, at);
      if (end > buffer.length) break;
      // A view: the frame's output bytes stay in the chunk they arrived in, as over WebSocket.
      const event = frameEvent(buffer.subarray(at, end));
      if (event) yield event;
      at = end;
    }
    if (at < buffer.length) {
      // A view: the next frame is joined (copied) once whole, the only copy its bytes need.
      pending = [buffer.subarray(at)];
      pendingBytes = buffer.length - at;
      if (pendingBytes >= 4) needed = 4 + lengthAt(buffer, at);
    }
  }
  if (pendingBytes > 0) throw new Error('The event stream ended inside a frame');
}

/** The event of one whole frame; undefined for a keep-alive or a kind not known here. */
function frameEvent(frame: Uint8Array): SessionStreamEvent | undefined {
  if (frame.length < HEAD_BYTES) throw new Error(`An event frame of ${frame.length} bytes is too short`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const kind = view.getUint8(4);
  const id = view.getFloat64(5);
  const payload = frame.subarray(HEAD_BYTES);
  const eventId = id > 0 ? String(id) : undefined;
  switch (kind) {
    case EventFrameKind.message:
      return {
        type: 'message',
        id: eventId,
        message: parseJson(decoder.decode(payload)) as JsonRpcMessage | undefined,
      };
    case EventFrameKind.output: {
      let message: JsonRpcMessage | undefined;
      try {
        message = decodeBinaryOutput(payload);
      } catch {
        message = undefined;
      }
      return { type: 'message', id: eventId, message };
    }
    case EventFrameKind.error:
      return { type: 'error', error: parseJson(decoder.decode(payload)) };
    default:
      // A keep-alive, or a kind this client does not know (a newer server's): skipped. Its id is
      // not taken either; a resume then starts at it again and skips it again.
      return undefined;
  }
}

const decoder = new TextDecoder();

function lengthAt(bytes: Uint8Array, at: number): number {
  const length =
    ((bytes[at] as number) * 2 ** 24 +
      ((bytes[at + 1] as number) << 16) +
      ((bytes[at + 2] as number) << 8) +
      (bytes[at + 3] as number)) >>>
    0;
  if (length > MAX_FRAME_BYTES) throw new Error(`An event frame claims ${length} bytes`);
  return length;
}

/** The first `count` bytes of `parts` (which hold at least that many). */
function firstBytes(parts: readonly Uint8Array[], count: number): Uint8Array {
  const out = new Uint8Array(count);
  let at = 0;
  for (const part of parts) {
    const take = Math.min(part.length, count - at);
    out.set(part.subarray(0, take), at);
    at += take;
    if (at === count) break;
  }
  return out;
}
