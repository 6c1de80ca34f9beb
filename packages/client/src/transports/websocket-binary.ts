// The `orchflow.v1+binary-output` WebSocket subprotocol, client side: a server that accepted it
// sends each `terminal.output` notification with text data as a binary frame — a 4-byte
// big-endian length, that many bytes of the notification as JSON without `params.data`, then
// `data` as raw UTF-8 — which skips JSON-escaping the output on the server and parsing it here.
// This file turns such a frame back into the very notification a JSON text frame would carry.
import type { JsonRpcMessage } from '@orchflow/protocol/runtime';
import { defineLazyText } from '../lazy-text';

/** The WebSocket subprotocol under which the server may send `terminal.output` as binary frames. */
export const WS_BINARY_OUTPUT_PROTOCOL = 'orchflow.v1+binary-output';
/** The subprotocol of plain JSON frames, offered second so a server may decline binary output. */
export const WS_JSON_PROTOCOL = 'orchflow.v1';
const LENGTH_BYTES = 4;
const decoder = new TextDecoder();

/** The `terminal.output` notification a binary frame holds; throws when it is malformed. */
export function decodeBinaryOutput(frame: Uint8Array): JsonRpcMessage {
  if (frame.byteLength < LENGTH_BYTES) {
    throw new Error(`Binary frame of ${frame.byteLength} bytes is too short for its header length`);
  }
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const headerEnd = LENGTH_BYTES + view.getUint32(0);
  if (headerEnd > frame.byteLength) {
    throw new Error(
      `Binary frame header claims ${headerEnd - LENGTH_BYTES} bytes but the frame has ${frame.byteLength}`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(decoder.decode(frame.subarray(LENGTH_BYTES, headerEnd)));
  } catch (error) {
    throw new Error(`Binary frame header is not JSON: ${(error as Error).message}`);
  }
  // The text is decoded when a reader asks for it: many only count or forward the bytes.
  defineLazyText(checkedParams(header), frame.subarray(headerEnd));
  return header as JsonRpcMessage;
}

/** The header's params after checking it is a `terminal.output` notification without data. */
function checkedParams(header: unknown): Record<string, unknown> {
  const message = header as { jsonrpc?: unknown; method?: unknown; params?: unknown; id?: unknown };
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new Error('Binary frame header is not a JSON object');
  }
  if (message.jsonrpc !== '2.0' || message.method !== 'terminal.output' || 'id' in message) {
    throw new Error('Binary frame header is not a terminal.output notification');
  }
  const params = message.params as Record<string, unknown> | undefined;
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new Error('Binary frame header has no params object');
  }
  if (typeof params.terminalId !== 'string' || typeof params.offset !== 'number') {
    throw new Error('Binary frame header lacks terminalId or offset');
  }
  if ('data' in params || (params.encoding ?? 'utf8') !== 'utf8') {
    throw new Error('Binary frame header must not carry data or a non-UTF-8 encoding');
  }
  return params;
}
