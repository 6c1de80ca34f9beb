// How a session's events go out: Server-Sent Events (the default, what any HTTP client reads) or
// length-prefixed frames (event-frames.ts), which a client asks for when it creates the session
// (`POST /v1/rpc?events=frames`).
// The format is the session's, fixed at its start: events are encoded once, when sent, and kept
// as bytes for replay.

import type { Buffer } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import {
  EVENT_FORMAT_QUERY,
  EVENT_FRAMES_MEDIA_TYPE,
  type JsonRpcMessage,
  type OrchflowErrorJson,
} from '@orchflow/protocol';
import { errorFrame, KEEP_ALIVE_FRAME, messageFrame } from './event-frames';
import { sseEvent, sseEventBytes } from './sse-events';

/** One event stream format. */
export interface EventFormat {
  /** The format's name (`?events=` of the creating POST, `Orchflow-Events` of its answer). */
  name: 'sse' | 'frames';
  /** The stream's Content-Type. */
  contentType: string;
  /** Written when a stream opens, before any event. */
  opening: string | Uint8Array;
  /** Written while the stream is idle. */
  keepAlive: string | Uint8Array;
  /**
   * The event of `message`, numbered `id`; `alloc` may supply the memory of a large one (a
   * `FramePool`'s `take`, whose memory is reused once the event is released).
   */
  event(message: JsonRpcMessage, id: number, alloc?: (size: number) => Buffer): Uint8Array;
  /** The last thing written before a stream ends for `error`. */
  error(error: OrchflowErrorJson): string | Uint8Array;
}

/** Server-Sent Events: `id:` and one `data:` line of JSON per event, `event: error` at the end. */
export const SSE_EVENTS: EventFormat = {
  name: 'sse',
  contentType: 'text/event-stream; charset=utf-8',
  // The reconnection delay for EventSource-like readers; it also sends the head at once.
  opening: 'retry: 1000\n\n',
  keepAlive: ': keep-alive\n\n',
  event: (message, id, alloc) => sseEventBytes(undefined, message, id, alloc),
  error: (error) => sseEvent('error', error),
};

/** Length-prefixed frames, output as raw bytes (event-frames.ts). */
export const FRAME_EVENTS: EventFormat = {
  name: 'frames',
  contentType: EVENT_FRAMES_MEDIA_TYPE,
  // A keep-alive sends the head at once, as SSE's opening line does.
  opening: KEEP_ALIVE_FRAME,
  keepAlive: KEEP_ALIVE_FRAME,
  event: messageFrame,
  error: errorFrame,
};

/** The format a session-creating request asks for: frames for `?events=frames`, else SSE. */
export function requestedEventFormat(request: IncomingMessage): EventFormat {
  const query = (request.url ?? '').split('?')[1];
  const asked = query === undefined ? null : new URLSearchParams(query).get(EVENT_FORMAT_QUERY);
  return asked === FRAME_EVENTS.name ? FRAME_EVENTS : SSE_EVENTS;
}

/**
 * False when the request's `Accept` rules out `format`: the most specific media range that matches
 * its type (the type itself, then its top-level type with any subtype, then any type) has `q=0`,
 * or none matches. A reader that asked only for SSE from a session of frames would get bytes it
 * cannot read. No `Accept`: anything goes.
 */
export function acceptsEventFormat(request: IncomingMessage, format: EventFormat): boolean {
  const accept = request.headers.accept;
  if (accept === undefined || accept.trim() === '') return true;
  const type = (format.contentType.split(';')[0] as string).toLowerCase();
  const ranks = new Map([
    [type, 3],
    [`${type.split('/')[0]}/*`, 2],
    ['*/*', 1],
  ]);
  let best = 0;
  let accepted = false;
  for (const range of accept.split(',')) {
    const [mediaRange, ...parameters] = range.split(';');
    const rank = ranks.get((mediaRange ?? '').trim().toLowerCase()) ?? 0;
    if (rank <= best) continue;
    best = rank;
    accepted = !parameters.some((p) => /^\s*q\s*=\s*0(\.0*)?\s*$/i.test(p));
  }
  return accepted;
}
