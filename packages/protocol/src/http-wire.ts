// The names and numbers of the HTTP transport's wire format that its server (@orchflow/server)
// and its client (@orchflow/client) must agree on: the session header, how a client asks for its
// session's events as binary frames, and the frames' layout. docs/transports.md describes the
// exchange; the server's OpenAPI description lists the media types. Also the names the web
// monitor's page (@orchflow/monitor) and its server's `/ui` routes agree on for the page key.
//
// A frame: a 4-byte big-endian length of what follows it, a kind byte, the event id as an 8-byte
// big-endian float (an integer; 0 for frames without one), then the payload — see EventFrameKind.

/** The header that names an HTTP session: set on the answer to `initialize`, sent with every later request. */
export const HTTP_SESSION_HEADER = 'Orchflow-Session';

/**
 * The query a session-creating `POST /v1/rpc` adds (`?events=frames`) to ask for its events as
 * binary frames. A query, not a header: a header would have to pass the CORS preflight of every
 * server a browser page talks to, including older ones, which refuse it.
 */
export const EVENT_FORMAT_QUERY = 'events';

/** The answer's header that says the session's events are frames (`Orchflow-Events: frames`). */
export const EVENT_FORMAT_HEADER = 'Orchflow-Events';

/** The media type of a frames event stream (`GET /v1/rpc`). */
export const EVENT_FRAMES_MEDIA_TYPE = 'application/vnd.orchflow.events';

/** The kinds of event frame; a reader skips kinds it does not know. */
export const EventFrameKind = {
  /** One JSON-RPC message (or batch) as UTF-8 JSON. */
  message: 1,
  /** A `terminal.output` notification in the WebSocket binary output layout. */
  output: 2,
  /** The error `{ code, message, data? }` that ends the stream (no id). */
  error: 3,
  /** Nothing: written while the stream is idle (no id). */
  keepAlive: 4,
} as const;

/** Bytes before a frame's payload: its length (4), kind (1) and id (8). */
export const EVENT_FRAME_HEAD_BYTES = 4 + 1 + 8;

/**
 * The header that carries a monitor session's page key on `/ui/session` and `/ui/logout`, beside
 * the session cookie. The cookie alone is not enough: cookies ignore ports, so a server on another
 * port of the host receives it too; the page key lives in the monitor origin's localStorage and
 * is only ever sent to the monitor (docs/security.md, "Web monitor").
 */
export const PAGE_KEY_HEADER = 'orchflow-page-key';

/**
 * The prefix of the WebSocket subprotocol that carries the page key on `/ui/ws`
 * (`orchflow.page-key.<key>`), since a browser cannot set headers on a WebSocket. The server takes
 * it out before picking a protocol, so it is never selected or echoed back.
 */
export const PAGE_KEY_PROTOCOL_PREFIX = 'orchflow.page-key.';
