// One HTTP session: the channel its POSTs and stream use, the `serveChannel` serving it, the
// terminals it holds (terminal leases, as a WebSocket connection holds them) and its idle timer.
// A session ends in one of two ways, decided by how: `DELETE /v1/rpc` is a clean end and its
// terminals are killed at once; everything else (idle past `ttlMs` with no stream, a client that
// stopped reading, the server stopping) is a vanished client, and its terminals become orphans
// for the reconnect grace period, exactly as when a WebSocket client drops.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServedChannel } from '@orchflow/core';
import {
  ErrorCode,
  type JsonRpcMessage,
  type JsonRpcRequest,
  OrchflowError,
  type Principal,
  type ServerInfo,
} from '@orchflow/protocol';
import type { ChannelServer } from '../channel-server';
import type { ConnectionLeases } from '../ws/terminal-leases';
import { liftBodyDeadline } from './body-deadline';
import type { EventFormat } from './event-format';
import { receiveUpload, type Upload, type UploadTarget } from './rpc-upload';
import { HttpSessionChannel } from './session-channel';
import type { SessionEventLimits } from './session-events';
import { DEFAULT_PARTIAL_LINE_IDLE_MS, guardUpload } from './upload-guard';

/** What a session needs from its server. */
export interface HttpSessionOptions extends SessionEventLimits {
  id: string;
  channels: ChannelServer;
  /** The principal of the bearer token that created the session; every later request must match. */
  principal: Principal;
  leases: ConnectionLeases;
  /** Idle time (no POST, no stream) after which the session ends as a vanished client. */
  ttlMs: number;
  maxInFlight: number;
  /** How the session's events are written, as its creating request asked. */
  eventFormat: EventFormat;
  serverInfo?: ServerInfo;
  maxStallMs?: number;
  onError?: (error: Error) => void;
}

/** A JSON-RPC session over HTTP, served like any other connection. */
export class HttpSession {
  /** The session id (the `Orchflow-Session` header). */
  readonly id: string;
  /** Who the session belongs to. */
  readonly principal: Principal;
  /** How its events are written. */
  readonly eventFormat: EventFormat;
  /** Resolves once the session ended and its terminals were released. */
  readonly ended: Promise<void>;
  private readonly channel: HttpSessionChannel;
  private readonly served: ServedChannel;
  private idle: ReturnType<typeof setTimeout> | undefined;
  private upload: Upload | undefined;
  private clean = false;
  private ending = false;
  private endReason: string | undefined;

  constructor(private readonly options: HttpSessionOptions) {
    this.id = options.id;
    this.principal = options.principal;
    this.eventFormat = options.eventFormat;
    this.channel = new HttpSessionChannel({
      ...options,
      observer: options.leases,
      onOverloaded: (error) => {
        this.endReason ??= `it was dropped for not reading its events (${error.message})`;
        this.channel.endStream(error);
        void this.close(false);
      },
      onStream: (open) => (open ? this.stopIdle() : this.startIdle()),
    });
    this.served = options.channels.serve(this.channel, {
      principal: options.principal,
      // The leases below decide: kill at once on a clean end, orphan for the grace otherwise.
      killTerminalsOnClose: false,
      reconnect: options.leases.keepsDropped,
      transports: ['http'],
      serverInfo: options.serverInfo,
      onError: options.onError,
      // A remote client: an internal failure tells it only what failed and its error id.
      internalErrorDetail: 'redacted',
      maxStallMs: options.maxStallMs,
      // `$/shutdown` is a clean end, like a DELETE: the session's terminals go at once.
      onShutdown: () => options.leases.releaseNow(),
    });
    this.ended = this.served.closed.then(async () => {
      this.stopIdle();
      this.upload?.stop(
        new OrchflowError(ErrorCode.InvalidState, `The HTTP session '${this.id}' ended; start a new one`),
        404,
      );
      if (this.clean) await options.leases.releaseNow();
      else options.leases.release();
    });
    this.startIdle();
  }

  /** Why the session ended, for a later request that names it; undefined while it lives. */
  get reason(): string | undefined {
    return this.endReason;
  }

  /** True once the session is ending: it takes no more requests. */
  get closing(): boolean {
    return this.ending || this.channel.closed;
  }

  /** Serves the session's `initialize` and resolves with its response (for the creating POST). */
  initialize(request: JsonRpcRequest): Promise<JsonRpcMessage> {
    const answer = this.channel.answer(request.id);
    this.channel.deliver(request);
    return answer;
  }

  /** Takes a POSTed message (or batch); its answers go out on the stream. */
  post(message: unknown): void {
    if (!this.channel.streaming) this.startIdle();
    this.channel.deliver(message);
  }

  /**
   * Makes `request`'s body the session's message stream (see rpc-upload.ts), ending a previous one
   * with `409`: two streams at once would leave the order of their messages undefined.
   */
  receive(request: IncomingMessage, response: ServerResponse, maxLineBytes: number): void {
    this.upload?.stop(
      new OrchflowError(ErrorCode.InvalidState, 'A newer message stream of this session replaced this one'),
      409,
    );
    const session = this;
    const target: UploadTarget = {
      get closing() {
        return session.closing;
      },
      post: (message) => this.post(message),
      refuse: (error) => void this.channel.send({ jsonrpc: '2.0', id: null, error }).catch(() => undefined),
    };
    // Its body lasts as long as the session uses it; a line left unfinished does not (upload-guard.ts).
    liftBodyDeadline(request);
    const upload = receiveUpload(request, response, target, maxLineBytes);
    guardUpload(request, response, {
      maxLineBytes,
      idleMs: DEFAULT_PARTIAL_LINE_IDLE_MS,
      stop: (error, status) => upload.stop(error, status),
    });
    this.upload = upload;
    response.once('close', () => {
      if (this.upload === upload) this.upload = undefined;
    });
  }

  /** Makes `response` the session's event stream, resuming after `lastEventId` if given. */
  attach(response: ServerResponse, lastEventId: number | undefined): void {
    this.channel.attach(response, lastEventId);
  }

  /** Ends the session; `clean` (a DELETE) kills its terminals at once instead of orphaning them. */
  async close(clean: boolean): Promise<void> {
    if (!this.ending) {
      this.ending = true;
      this.clean = clean;
      this.endReason ??= clean ? 'it was closed by its client' : 'it ended';
    }
    // A vanished client's commands keep running under the leases (closing the channel, unlike
    // closing the peer, leaves their handlers alone); a clean end interrupts them with the kill.
    if (this.clean) await this.served.close();
    else await this.channel.close();
    await this.ended;
  }

  private startIdle(): void {
    this.stopIdle();
    if (this.closing || !Number.isFinite(this.options.ttlMs)) return;
    this.idle = setTimeout(() => {
      this.endReason ??= `it sent nothing and held no event stream for the server's session TTL (${this.options.ttlMs} ms)`;
      void this.close(false);
    }, this.options.ttlMs);
    this.idle.unref();
  }

  private stopIdle(): void {
    clearTimeout(this.idle);
    this.idle = undefined;
  }
}
