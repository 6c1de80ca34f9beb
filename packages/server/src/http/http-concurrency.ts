// How much an HttpServer handles at once. Requests in progress are capped at
// `maxConcurrentRequests`, each principal to its share of them; event streams, which never end,
// are counted apart under `maxStreams` (and per-principal shares), and message streams (one per
// session) apart too, so neither kind uses up the requests. A request that becomes a stream gives
// its principal's request share back.
import type { ServerResponse } from 'node:http';
import { ErrorCode, OrchflowError, type Principal } from '@orchflow/protocol';
import { defaultShare, PrincipalSlots } from '../limits/principal-slots';
import { RequestShares } from '../limits/request-shares';
import { sendError } from './http-errors';
import {
  DEFAULT_HTTP_MAX_CONCURRENT,
  DEFAULT_HTTP_MAX_STREAMS,
  type HttpServerOptions,
  type HttpServerStats,
} from './http-server-options';

/** The options that set an HttpServer's concurrency limits. */
export type HttpConcurrencyOptions = Pick<
  HttpServerOptions,
  | 'auth'
  | 'maxConcurrentRequests'
  | 'maxConcurrentRequestsPerPrincipal'
  | 'maxStreams'
  | 'maxStreamsPerPrincipal'
>;

/** Counts an HttpServer's requests and streams against their limits. */
export class HttpConcurrency {
  /** Requests in progress, open streams and message streams among them. */
  private active = 0;
  private streams = 0;
  private messageStreams = 0;
  private readonly streamShares: PrincipalSlots;
  private readonly requestShares: RequestShares;

  constructor(private readonly options: HttpConcurrencyOptions) {
    const maxStreams = options.maxStreams ?? DEFAULT_HTTP_MAX_STREAMS;
    this.streamShares = new PrincipalSlots(
      options.maxStreamsPerPrincipal ?? defaultShare(maxStreams, options.auth),
      'event streams',
    );
    const maxRequests = options.maxConcurrentRequests ?? DEFAULT_HTTP_MAX_CONCURRENT;
    this.requestShares = new RequestShares(
      options.maxConcurrentRequestsPerPrincipal ?? defaultShare(maxRequests, options.auth),
    );
  }

  /**
   * Admits a request within the concurrency limit (and, for a request with a valid token, within
   * its principal's share of it), counting it until its response closes. Otherwise answers it
   * (Overloaded) and returns false.
   */
  admit(response: ServerResponse, principal: Principal | undefined): boolean {
    const limit = this.options.maxConcurrentRequests ?? DEFAULT_HTTP_MAX_CONCURRENT;
    // Open streams are requests that never end: they have their own limit (openStream), and
    // message streams theirs (one per session).
    if (this.active - this.streams - this.messageStreams >= limit) {
      sendError(
        response,
        new OrchflowError(ErrorCode.Overloaded, `The server is handling ${limit} requests; retry shortly`),
      );
      return false;
    }
    try {
      if (principal) this.requestShares.charge(response, principal);
    } catch (error) {
      sendError(response, OrchflowError.from(error));
      return false;
    }
    this.active++;
    response.once('close', () => this.active--);
    return true;
  }

  /**
   * Counts an event stream about to open on `response` and returns its release (counted once);
   * throws Overloaded at `maxStreams`, or when `principal` already holds its share.
   */
  openStream(principal: Principal, response: ServerResponse): () => void {
    const limit = this.options.maxStreams ?? DEFAULT_HTTP_MAX_STREAMS;
    if (this.streams >= limit) {
      throw new OrchflowError(
        ErrorCode.Overloaded,
        `The server holds its limit of ${limit} event streams; close one or retry later`,
      );
    }
    const releaseShare = this.streamShares.take(principal);
    this.streams++;
    let open = true;
    const release = (): void => {
      if (!open) return;
      open = false;
      this.streams--;
      releaseShare();
    };
    this.requestShares.giveBack(response);
    return release;
  }

  /** A session's message stream opened on `response`: counted until it closes. */
  messageStreamOpened(response: ServerResponse): void {
    this.messageStreams++;
    response.once('close', () => this.messageStreams--);
    this.requestShares.giveBack(response);
  }

  /** `response`'s request holds no share of its principal's requests from now on (a long-lived one). */
  giveBack(response: ServerResponse): void {
    this.requestShares.giveBack(response);
  }

  /** The counts {@link HttpServerStats} reports. */
  counts(): Pick<HttpServerStats, 'activeRequests' | 'streams' | 'messageStreams'> {
    return { activeRequests: this.active, streams: this.streams, messageStreams: this.messageStreams };
  }
}
