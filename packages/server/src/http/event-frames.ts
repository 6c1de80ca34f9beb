// A session's events as length-prefixed binary frames (`application/vnd.orchflow.events`), the
// event stream format a client asks for when it creates the session (`POST /v1/rpc?events=frames`).
// SSE is text: live output had to be written as an escaped JSON string (json-utf8.ts) and parsed
// back from one on the client, most of what the HTTP stream cost per MiB beyond the WebSocket. A
// frame carries output as the PTY's bytes, in the WebSocket binary output frame's layout.
//
// A frame: a 4-byte big-endian length of what follows it, a kind byte, the event id as an 8-byte
// big-endian float (an integer; 0 for frames without one), then the payload:
//   1 message  — one JSON-RPC message (or batch) as UTF-8 JSON
//   2 output   — a `terminal.output` notification as a WebSocket binary output frame
//                (binary-output.ts: a 4-byte header length, the JSON without `data`, the bytes)
//   3 error    — the error `{ code, message, data? }` that ends the stream (no id)
//   4 keep-alive — nothing (no id)
// Resuming works as over SSE: the client sends the last id it has in `Last-Event-ID`.
import { Buffer } from 'node:buffer';
import type { JsonRpcMessage, OrchflowErrorJson } from '@orchflow/protocol';
import { encodeBinaryOutput } from '../ws/binary-output';

/** The media type of a frames event stream. */
export const EVENT_FRAMES_MEDIA_TYPE = 'application/vnd.orchflow.events';
/**
 * The response header of a session-creating POST that says the session's events are frames. The
 * request asks with the query `?events=frames`: a header would have to be allowed by the CORS
 * preflight of every server a browser page talks to, including older ones, which refuse it.
 */
export const EVENT_FORMAT_HEADER = 'Orchflow-Events';

/** The kinds of frame. */
export const FrameKind = { message: 1, output: 2, error: 3, keepAlive: 4 } as const;

/** Bytes before a frame's payload: its length, kind and id. */
const HEAD_BYTES = 4 + 1 + 8;

/** The frame of one outgoing message numbered `id`, in memory of its own (events are kept for replay). */
export function messageFrame(message: JsonRpcMessage, id: number): Buffer {
  let block: Buffer | undefined;
  // The output frame is built straight behind the room left for the head.
  const output = encodeBinaryOutput(message, (size) => {
    block = Buffer.allocUnsafeSlow(HEAD_BYTES + size);
    return block.subarray(HEAD_BYTES);
  });
  if (output && block) return writeHead(block, FrameKind.output, id);
  return jsonFrame(FrameKind.message, message, id);
}

/** The frame that ends a stream with `error`. */
export function errorFrame(error: OrchflowErrorJson): Buffer {
  return jsonFrame(FrameKind.error, error, 0);
}

/** A keep-alive frame, written while the stream is idle so proxies keep it open. */
export const KEEP_ALIVE_FRAME: Buffer = writeHead(Buffer.alloc(HEAD_BYTES), FrameKind.keepAlive, 0);

function jsonFrame(kind: number, value: unknown, id: number): Buffer {
  const json = JSON.stringify(value);
  const block = Buffer.allocUnsafeSlow(HEAD_BYTES + Buffer.byteLength(json));
  block.write(json, HEAD_BYTES, 'utf8');
  return writeHead(block, kind, id);
}

function writeHead(block: Buffer, kind: number, id: number): Buffer {
  block.writeUInt32BE(block.length - 4, 0);
  block.writeUInt8(kind, 4);
  block.writeDoubleBE(id, 5);
  return block;
}
