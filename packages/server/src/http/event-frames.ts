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
// Resuming works as over SSE: the client sends the last id it has in `Last-Event-ID`. The names and
// numbers are @orchflow/protocol's (http-wire.ts), which the client reads them from too.
import { Buffer } from 'node:buffer';
import {
  EventFrameKind,
  EVENT_FRAME_HEAD_BYTES as HEAD_BYTES,
  type JsonRpcMessage,
  type OrchflowErrorJson,
} from '@orchflow/protocol';
import { encodeBinaryOutput } from '../ws/binary-output';

/**
 * The frame of one outgoing message numbered `id`. An output frame is built in memory from `alloc`
 * (by default memory of its own: events are kept for replay); the session passes its frame pool's,
 * and gives the frame back once it left the replay window (session-events.ts).
 */
export function messageFrame(
  message: JsonRpcMessage,
  id: number,
  alloc: (size: number) => Buffer = Buffer.allocUnsafeSlow,
): Buffer {
  let block: Buffer | undefined;
  // The output frame is built straight behind the room left for the head; `block` itself (the
  // pool's own object) is what the session gives back.
  const output = encodeBinaryOutput(message, (size) => {
    block = alloc(HEAD_BYTES + size);
    return block.subarray(HEAD_BYTES);
  });
  if (output && block) return writeHead(block, EventFrameKind.output, id);
  return jsonFrame(EventFrameKind.message, message, id);
}

/** The frame that ends a stream with `error`. */
export function errorFrame(error: OrchflowErrorJson): Buffer {
  return jsonFrame(EventFrameKind.error, error, 0);
}

/** A keep-alive frame, written while the stream is idle so proxies keep it open. */
export const KEEP_ALIVE_FRAME: Buffer = writeHead(Buffer.alloc(HEAD_BYTES), EventFrameKind.keepAlive, 0);

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
