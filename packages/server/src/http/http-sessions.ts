// `/v1/rpc`: JSON-RPC sessions over HTTP. The rule, chosen so ordering stays simple:
//  - `POST /v1/rpc` without a session, carrying one `initialize` request, creates a session; that
//    POST is answered directly with the `initialize` response and, on success, names the session
//    in the `Orchflow-Session` response header.
//  - Every later `POST /v1/rpc` carries that header and one JSON-RPC message or batch; it is
//    answered `202 Accepted` as soon as the server took the message, and every answer, notification
//    and progress report goes out, in order, on the session's one SSE stream.
//  - `GET /v1/rpc` (with the header) is that stream; each event's `id:` numbers it, and a client
//    that reopens the stream with `Last-Event-ID` gets everything after that id (or an `error`
//    event when those events are no longer held). A new GET replaces the previous stream. The
//    stream is SSE, or binary frames (event-frames.ts) when the creating POST asked for them
//    with `?events=frames`; the answer to that POST then carries `Orchflow-Events: frames`.
//  - `DELETE /v1/rpc` ends the session cleanly: its terminals are killed at once.
// Every request is authenticated by its bearer token, and a session answers only the principal
// that created it (anyone else gets 404, as for an unknown session).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ErrorCode,
  EVENT_FORMAT_HEADER,
  HTTP_SESSION_HEADER,
  type JsonRpcRequest,
  OrchflowError,
  type Principal,
  type ServerInfo,
} from '@orchflow/protocol';
import type { ChannelServer } from '../channel-server';
import { clipText } from '../clip-text';
import type { PrincipalSlots } from '../limits/principal-slots';
import { TerminalLeases } from '../ws/terminal-leases';
import { acceptsEventFormat, FRAME_EVENTS, requestedEventFormat } from './event-format';
import { readBodyText, rpcBody } from './http-body';
import { sendJson } from './http-errors';
import { HttpSession } from './http-session';

/** Limits and settings of the sessions of one server. */
export interface HttpSessionSettings {
  channels: ChannelServer;
  maxSessions: number;
  /** Each principal's share of `maxSessions`. */
  sessionShares: PrincipalSlots;
  ttlMs: number;
  reconnectGraceMs: number;
  maxInFlight: number;
  maxPendingBytes: number;
  replayBytes: number;
  maxBodyBytes: number;
  serverInfo?: ServerInfo;
  maxStallMs?: number;
  onError?: (error: Error) => void;
}

/** The live sessions of one `HttpServer`. */
export class HttpSessions {
  private readonly sessions = new Map<string, HttpSession>();
  // Why recently ended sessions ended, by id (oldest first), with the principal that owned each.
  private readonly endedSessions = new Map<string, { principal: Principal; reason: string }>();
  private readonly leases: TerminalLeases;

  constructor(private readonly settings: HttpSessionSettings) {
    this.leases = new TerminalLeases(settings.channels, settings.reconnectGraceMs);
  }

  /** Open sessions. */
  get size(): number {
    return this.sessions.size;
  }

  /** Terminals of ended sessions waiting for a client to adopt them. */
  get orphanCount(): number {
    return this.leases.orphanCount;
  }

  /** `POST /v1/rpc`: creates a session (an `initialize`) or hands a message to one. */
  async post(request: IncomingMessage, response: ServerResponse, principal: Principal): Promise<void> {
    const parsed = rpcBody(await readBodyText(request, this.settings.maxBodyBytes));
    if (!parsed.ok) {
      sendJson(response, 400, { jsonrpc: '2.0', id: null, error: parsed.error });
      return;
    }
    const id = sessionId(request);
    if (id !== undefined) {
      this.find(id, principal).post(parsed.value);
      // Answered after the session has started on the message: the 202 only lets the client send
      // its next one, so writing it first would put a socket write before every command.
      setImmediate(() => {
        if (!response.destroyed) response.writeHead(202, { 'Cache-Control': 'no-store' }).end();
      });
      return;
    }
    await this.create(parsed.value, request, response, principal);
  }

  /** `GET /v1/rpc`: the session's event stream. */
  stream(request: IncomingMessage, response: ServerResponse, principal: Principal): void {
    const session = this.require(request, principal);
    // Frames only: an SSE session is served whatever `Accept` says, as it always was.
    if (session.eventFormat === FRAME_EVENTS && !acceptsEventFormat(request, FRAME_EVENTS)) {
      throw new NotAcceptable(FRAME_EVENTS.contentType);
    }
    session.attach(response, lastEventId(request.headers['last-event-id']));
  }

  /** `POST /v1/rpc/stream`: the session's messages as lines of one long body (rpc-upload.ts). */
  upload(request: IncomingMessage, response: ServerResponse, principal: Principal): void {
    this.require(request, principal).receive(request, response, this.settings.maxBodyBytes);
  }

  /** `DELETE /v1/rpc`: ends the session cleanly (its terminals are killed before the answer). */
  async remove(request: IncomingMessage, response: ServerResponse, principal: Principal): Promise<void> {
    const session = this.require(request, principal);
    this.sessions.delete(session.id);
    await session.close(true);
    response.writeHead(204, { 'Cache-Control': 'no-store' }).end();
  }

  /** Ends every session as a drop, then kills the orphans (the server is stopping). */
  async stop(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((session) => session.close(false)));
    await this.leases.killOrphans();
  }

  private async create(
    body: unknown,
    request: IncomingMessage,
    response: ServerResponse,
    principal: Principal,
  ): Promise<void> {
    const initialize = body as Partial<JsonRpcRequest>;
    const id = initialize.id;
    if (
      Array.isArray(body) ||
      initialize.method !== 'initialize' ||
      (typeof id !== 'string' && typeof id !== 'number')
    ) {
      // A JSON-RPC error response, as every 400 of this endpoint (its OpenAPI description says so).
      const refusal = new OrchflowError(
        ErrorCode.InvalidRequest,
        `Start a session by POSTing one 'initialize' request; send its ${HTTP_SESSION_HEADER} response header with every later request`,
      );
      const answerId = typeof id === 'string' || typeof id === 'number' ? id : null;
      sendJson(response, 400, { jsonrpc: '2.0', id: answerId, error: refusal.toJson() });
      return;
    }
    if (this.sessions.size >= this.settings.maxSessions) {
      throw new OrchflowError(
        ErrorCode.Overloaded,
        `The server holds its limit of ${this.settings.maxSessions} HTTP sessions; close one (DELETE /v1/rpc) or retry later`,
      );
    }
    const releaseShare = this.settings.sessionShares.take(principal);
    const eventFormat = requestedEventFormat(request);
    const session = new HttpSession({
      ...this.settings,
      eventFormat,
      id: randomUUID(),
      principal,
      leases: this.leases.connection(principal),
    });
    this.sessions.set(session.id, session);
    void session.ended.then(() => {
      this.sessions.delete(session.id);
      this.remember(session);
      releaseShare();
    });
    const answer = await session.initialize(initialize as JsonRpcRequest);
    if ('error' in answer) {
      this.sessions.delete(session.id);
      await session.close(true);
      sendJson(response, 200, answer);
      return;
    }
    sendJson(response, 200, answer, {
      [HTTP_SESSION_HEADER]: session.id,
      ...(eventFormat.name === 'frames' ? { [EVENT_FORMAT_HEADER]: eventFormat.name } : {}),
    });
  }

  /** The session a request names; throws when it names none or one that is not there. */
  private require(request: IncomingMessage, principal: Principal): HttpSession {
    const id = sessionId(request);
    if (id === undefined) {
      throw new OrchflowError(
        ErrorCode.InvalidRequest,
        `Send the ${HTTP_SESSION_HEADER} header that the session's initialize POST returned`,
      );
    }
    return this.find(id, principal);
  }

  private find(id: string, principal: Principal): HttpSession {
    const found = this.sessions.get(id);
    // Another principal's session is reported exactly like a missing one, with no reason.
    const session = found?.principal === principal ? found : undefined;
    if (!session || session.closing) {
      const ended = this.endedSessions.get(id);
      throw new SessionNotFound(
        id,
        session?.reason ?? (ended?.principal === principal ? ended.reason : undefined),
      );
    }
    return session;
  }

  /** Keeps why `session` ended, for its client's next request (the newest ENDED_KEPT sessions). */
  private remember(session: HttpSession): void {
    this.endedSessions.set(session.id, {
      principal: session.principal,
      reason: session.reason ?? 'it ended',
    });
    if (this.endedSessions.size > ENDED_KEPT) {
      const oldest = this.endedSessions.keys().next().value;
      if (oldest !== undefined) this.endedSessions.delete(oldest);
    }
  }
}

// Ended sessions whose end reason is kept: ~200 bytes each.
const ENDED_KEPT = 1024;

/** A session that does not exist (any more) for this caller: HTTP 404. */
export class SessionNotFound extends OrchflowError {
  /** Always 404: the client must start a new session. */
  readonly status = 404;
  /** `reason`: why the session ended, when the server still knows (and the caller owned it). */
  constructor(id: string, reason?: string) {
    super(
      ErrorCode.InvalidState,
      reason === undefined
        ? `No HTTP session '${id}': it was closed, stayed idle past the server's session TTL, or the server restarted; start a new one with an initialize POST`
        : `The HTTP session '${id}' has ended: ${reason}; start a new one with an initialize POST`,
      { session: id },
    );
  }
}

/** A stream whose `Accept` rules out the session's event format: HTTP 406. */
export class NotAcceptable extends OrchflowError {
  /** Always 406. */
  readonly status = 406;
  constructor(contentType: string) {
    super(
      ErrorCode.InvalidRequest,
      `This session's events are ${contentType}, which the request's Accept header rules out; accept it, or create the session without ?events=frames for Server-Sent Events`,
      { contentType },
    );
  }
}

/** The HTTP status `error` needs beyond its code's usual one (404 for a missing session, 406). */
export function sessionErrorStatus(error: unknown): number | undefined {
  return error instanceof SessionNotFound || error instanceof NotAcceptable ? error.status : undefined;
}

function sessionId(request: IncomingMessage): string | undefined {
  const value = request.headers[HTTP_SESSION_HEADER.toLowerCase()];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? undefined : text;
}

function lastEventId(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text === '') return undefined;
  if (/^\d+$/.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
  throw new OrchflowError(
    ErrorCode.InvalidParams,
    `Last-Event-ID must be an event id (an integer up to ${Number.MAX_SAFE_INTEGER}), got '${clipText(text, 40)}'`,
  );
}
