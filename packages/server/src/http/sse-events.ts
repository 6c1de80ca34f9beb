// Server-Sent Events as text or bytes: what the terminal output stream and a session's SSE event
// stream write (through stream-writer.ts).
import type { JsonRpcMessage } from '@orchflow/protocol';
import { rawOutputOf } from '@orchflow/terminal/internal';
import { jsonUtf8MaxLength, writeJsonUtf8 } from './json-utf8';

/** One SSE event as text: `event:` (omitted for the default `message`), `id:`, one `data:` line. */
export function sseEvent(name: string | undefined, data: unknown, id?: number): string {
  return `${sseHead(name, id)}${JSON.stringify(data)}\n\n`;
}

/**
 * {@link sseEvent} as UTF-8 bytes, encoded piece by piece: joining a long event's JSON to its
 * head first would copy it once more as text. An output event's memory comes from `alloc` (a
 * session passes its frame pool's, see event-frames.ts).
 */
export function sseEventBytes(
  name: string | undefined,
  data: unknown,
  id?: number,
  alloc: (size: number) => Buffer = Buffer.allocUnsafeSlow,
): Buffer {
  const head = sseHead(name, id);
  const raw = rawOutputEvent(head, data, alloc);
  if (raw) return raw;
  const json = JSON.stringify(data);
  const headBytes = Buffer.byteLength(head);
  const jsonBytes = Buffer.byteLength(json);
  // Its own memory, not a slice of Node's shared pool: events are kept for replay, and a small
  // one would keep a whole 8 KiB pool slab alive.
  const block = Buffer.allocUnsafeSlow(headBytes + jsonBytes + 2);
  block.write(head, 0, 'utf8');
  block.write(json, headBytes, 'utf8');
  block.write('\n\n', headBytes + jsonBytes, 'latin1');
  return block;
}

// Scratch memory for an event written from raw bytes before its exact length is known; kept
// between events up to this size (a batch of output is at most 64 KiB, its worst case 384 KiB).
const SCRATCH_KEPT_BYTES = 1 << 20;
let scratch = Buffer.allocUnsafeSlow(64 * 1024);

/**
 * The event of a `terminal.output` notification that carries the PTY's raw bytes
 * (`rawOutputOf`), with `data` written from them (see json-utf8.ts) instead of decoded, escaped and
 * encoded again; undefined for any other message. The JSON has `data` last; readers parse it.
 */
function rawOutputEvent(head: string, message: unknown, alloc: (size: number) => Buffer): Buffer | undefined {
  const { method, params } = (message ?? {}) as Partial<{ method: unknown; params: unknown }>;
  if (method !== 'terminal.output' || typeof params !== 'object' || params === null) return undefined;
  const bytes = rawOutputOf(params);
  if (!bytes) return undefined;
  // `data` is spliced in at the end of `params`, so `params` must be the message's last key (as
  // every notification is built) and keep another key before it; anything else goes the plain way.
  // A toJSON would replace what is written, and params that write as `{}` leave no key to follow.
  const keys = Object.keys(message as object);
  if (keys[keys.length - 1] !== 'params' || 'toJSON' in (message as object) || 'toJSON' in params) {
    return undefined;
  }
  const rest: Record<string, unknown> = {};
  for (const key of Object.keys(params))
    if (key !== 'data') rest[key] = (params as Record<string, unknown>)[key];
  if (JSON.stringify(rest) === '{}') return undefined;
  const envelope = JSON.stringify({ ...(message as JsonRpcMessage), params: rest });
  const before = `${head}${envelope.slice(0, -2)},"data":`;
  const max = Buffer.byteLength(before) + jsonUtf8MaxLength(bytes.length) + 4;
  if (scratch.length < max) scratch = Buffer.allocUnsafeSlow(max);
  const out = scratch;
  let at = out.write(before, 0, 'utf8');
  at = writeJsonUtf8(bytes, out, at);
  at += out.write('}}\n\n', at, 'latin1');
  if (scratch.length > SCRATCH_KEPT_BYTES) scratch = Buffer.allocUnsafeSlow(64 * 1024);
  // Memory of its own (see sseEventBytes) or the pool's: the scratch is reused by the next event.
  const event = alloc(at);
  event.set(out.subarray(0, at));
  return event;
}

// JSON.stringify escapes newlines, so the data always fits one `data:` line after this head.
function sseHead(name: string | undefined, id: number | undefined): string {
  const eventLine = name === undefined ? '' : `event: ${name}\n`;
  const idLine = id === undefined ? '' : `id: ${id}\n`;
  return `${eventLine}${idLine}data: `;
}
