// The receiving half of an HTTP session (see http-channel.ts): `GET /v1/rpc`, read as frames or
// SSE (http-events.ts), every message handed to the channel in order. A stream that drops or
// stays silent past the liveness period is reopened with `Last-Event-ID`, with a growing pause,
// so nothing is lost or repeated; when that cannot work (the session is gone, the server no
// longer holds the events, too many failed attempts) the channel is failed: nothing is invented.
import { EVENT_FRAMES_MEDIA_TYPE, type JsonRpcMessage, OrchflowError } from '@orchflow/protocol/runtime';
import { readSessionEvents, type SessionStreamEvent } from './http-events';
import { answerError, type HttpExchange, isSuccess } from './http-exchange';
import { heard, silenceTimer } from './http-stream-liveness';
import { describeNetworkError } from './network-error';

/** How a dropped event stream is reopened. */
export interface HttpStreamReconnectOptions {
  /** Failed reopen attempts in a row before the channel closes. Default 8. */
  maxAttempts?: number;
  /** Delay before the first attempt; doubles per attempt. Default 100 ms. */
  initialDelayMs?: number;
  /** Largest delay between attempts. Default 2 s. */
  maxDelayMs?: number;
  /** Called once a reopened stream carries events again. */
  onReconnected?: (event: { attempts: number; lastEventId: string | undefined }) => void;
}

/** What the event stream needs from its channel. */
export interface HttpEventStreamOptions {
  /** The session endpoint (`…/v1/rpc`). */
  url: string;
  http: HttpExchange;
  /** Aborted when the channel closes: the stream stops. */
  signal: AbortSignal;
  /** Longest silence before the stream counts as dropped (0: never). */
  livenessMs: number;
  reconnect: HttpStreamReconnectOptions;
  /** True once the channel is closed. */
  closed(): boolean;
  /** The session's request headers (token, session id). */
  headers(): Record<string, string>;
  /** One message from the server, in order. */
  deliver(message: JsonRpcMessage): void;
  /** The session cannot go on: closes the channel with ChannelClosedError(`reason`). */
  fail(reason: string): void;
  /** Hears events that are skipped (not JSON-RPC). */
  onError?: (error: Error) => void;
}

/** Longest wait for the answer to a (re)opened event stream's GET. */
const HTTP_ANSWER_WAIT_MS = 10_000;

/** Statuses after which reopening the stream cannot help: no session, not allowed. */
const FATAL_STATUSES = new Set([400, 401, 403, 404]);

/** A session's event stream, read until the channel closes or fails. */
export class HttpEventStream {
  private lastEventId: string | undefined;
  /** Why the last attempt failed or its stream ended: named when the channel gives up. */
  private lastFailure = 'no answer';

  constructor(private readonly options: HttpEventStreamOptions) {}

  /** Reads the event stream, reopening it with `Last-Event-ID` after a drop. */
  async run(): Promise<void> {
    const { reconnect, closed } = this.options;
    const maxAttempts = reconnect.maxAttempts ?? 8;
    let attempts = 0;
    while (!closed()) {
      if (attempts > 0) {
        if (attempts > maxAttempts) {
          this.options.fail(
            `The event stream of ${this.options.url} dropped and could not be reopened ` +
              `(${maxAttempts} attempts; the last: ${this.lastFailure})`,
          );
          return;
        }
        const delay = Math.min(
          (reconnect.initialDelayMs ?? 100) * 2 ** (attempts - 1),
          reconnect.maxDelayMs ?? 2_000,
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
        if (closed()) return;
      }
      const outcome = await this.attempt(attempts);
      if (outcome === 'stop') return;
      if (outcome === 'failed') {
        attempts++;
        continue;
      }
      // A stream that carried events starts a fresh count; one that ended at once counts as a failure.
      attempts = outcome === 'events' ? 1 : attempts + 1;
    }
  }

  /** One GET of the stream, read until it ends. */
  private async attempt(attempts: number): Promise<'stop' | 'events' | 'none' | 'failed'> {
    const { signal, livenessMs } = this.options;
    // This attempt's request: aborted by close(), or when the stream stays silent too long.
    const attempt = new AbortController();
    const stop = (): void => attempt.abort(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    // The server answers a GET at once: an answer takes at most 10 s, then silence counts.
    const silence = silenceTimer(attempt, Math.min(livenessMs, HTTP_ANSWER_WAIT_MS));
    try {
      const headers: Record<string, string> = {
        ...this.options.headers(),
        Accept: `${EVENT_FRAMES_MEDIA_TYPE}, text/event-stream`,
      };
      if (this.lastEventId !== undefined) headers['Last-Event-ID'] = this.lastEventId;
      const response = await this.options.http.send({
        method: 'GET',
        url: this.options.url,
        headers,
        signal: attempt.signal,
        stream: true,
      });
      if (!isSuccess(response)) {
        const body = await response.text().catch(() => '');
        if (!FATAL_STATUSES.has(response.status)) {
          this.lastFailure = answerError(response, body).message;
          return 'failed';
        }
        this.options.fail(`The event stream was refused: ${answerError(response, body).message}`);
        return 'stop';
      }
      silence.arm(livenessMs);
      const events = readSessionEvents(heard(response.body(), silence.arm), response.header('content-type'));
      return await this.read(events, attempts, attempt.signal);
    } catch (error) {
      // Unreachable, or silent too long: a failed attempt.
      this.lastFailure = failureOf(error, attempt.signal);
      return 'failed';
    } finally {
      silence.stop();
      signal.removeEventListener('abort', stop);
    }
  }

  /**
   * Delivers one stream's events until it ends: `stop` when the channel must stop (closed, or an
   * `error` event), else whether it carried any event.
   */
  private async read(
    events: AsyncIterable<SessionStreamEvent>,
    attempts: number,
    signal: AbortSignal,
  ): Promise<'stop' | 'events' | 'none'> {
    let announced = attempts === 0;
    let delivered = false;
    try {
      for await (const event of events) {
        if (event.type === 'error') {
          this.options.fail(
            `The server ended the event stream: ${OrchflowError.fromJson(event.error).message}`,
          );
          return 'stop';
        }
        delivered = true;
        if (!announced) {
          announced = true;
          this.options.reconnect.onReconnected?.({ attempts, lastEventId: this.lastEventId });
        }
        if (event.id !== undefined) this.lastEventId = event.id;
        if (event.message === undefined) {
          this.options.onError?.(new Error('Ignored an event that is not JSON-RPC'));
        } else this.options.deliver(event.message);
      }
      this.lastFailure = 'the server ended the stream';
    } catch (error) {
      // Dropped (or aborted by close()); the caller decides.
      this.lastFailure = failureOf(error, signal);
    }
    if (this.options.closed()) return 'stop';
    return delivered ? 'events' : 'none';
  }
}

/**
 * What ended an attempt, for the message the channel closes with: the silence timer's reason when
 * it aborted the attempt, else the error and its cause (fetch's "fetch failed" hides the reason).
 */
function failureOf(error: unknown, signal: AbortSignal): string {
  return describeNetworkError(signal.aborted ? signal.reason : error);
}
