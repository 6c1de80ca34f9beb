// The server end of an HTTP session as an IpcChannel, so the session is served by the same
// `serveChannel`/RpcPeer path as every other transport. Messages POSTed by the client are
// `deliver`ed in; everything the server sends becomes a numbered event (see SessionEvents) that
// the session's one SSE stream writes in order. `send()` resolves once a stream wrote the event, so
// core's output subscriptions pause a terminal behind a slow (or absent) reader instead of
// buffering. The answer to the creating `initialize` is handed to that POST instead (see `answer`).
import type { ServerResponse } from 'node:http';
import {
  ChannelClosedError,
  ErrorCode,
  FrameTooLargeError,
  type IpcChannel,
  isOrchflowError,
  type JsonRpcMessage,
  MessageQueue,
  OrchflowError,
  type RequestId,
} from '@orchflow/protocol';
import { InFlightLimit } from '../limits/in-flight-limit';
import { framePool } from '../ws/frame-pool';
import type { TrafficObserver } from '../ws/terminal-leases';
import type { EventFormat } from './event-format';
import { type SessionEventLimits, SessionEvents } from './session-events';
import { StreamWriter } from './stream-writer';

/** Limits and hooks of one {@link HttpSessionChannel}. */
export interface HttpSessionChannelOptions extends SessionEventLimits {
  /** Requests answered concurrently before further ones get Overloaded. */
  maxInFlight: number;
  /** How the session's events are written (SSE or frames). */
  eventFormat: EventFormat;
  /** Sees the messages that pass (the server's terminal leases). */
  observer?: TrafficObserver;
  /** The client stopped reading past `maxPendingBytes`: the session must end. */
  onOverloaded(error: OrchflowError): void;
  /** A stream was attached (true) or ended (false). */
  onStream(open: boolean): void;
}

interface Stream {
  response: ServerResponse;
  writer: StreamWriter;
}

/** An {@link IpcChannel} whose client speaks POST in and an event stream (SSE or frames) out. */
export class HttpSessionChannel implements IpcChannel {
  private readonly queue = new MessageQueue();
  private readonly events: SessionEvents;
  private readonly inFlight: InFlightLimit;
  private readonly answers = new Map<
    RequestId,
    { resolve(message: JsonRpcMessage): void; reject(error: Error): void }
  >();
  private stream: Stream | undefined;

  constructor(private readonly options: HttpSessionChannelOptions) {
    // Output events (frames or SSE) are built in pooled memory (event-frames.ts, sse-events.ts),
    // given back once written and out of the replay window.
    this.events = new SessionEvents(options, { release: (block) => framePool.give(block) });
    this.inFlight = new InFlightLimit(options.maxInFlight);
  }

  /** True once the session's channel closed. */
  get closed(): boolean {
    return this.queue.closed;
  }

  /** True while an SSE stream is attached. */
  get streaming(): boolean {
    return this.stream !== undefined;
  }

  /** A parsed POST body from the client; requests past the in-flight cap are answered Overloaded. */
  deliver(message: unknown): void {
    if (this.closed) throw new ChannelClosedError();
    const overloaded = this.inFlight.admit(message);
    if (overloaded) {
      this.send(overloaded).catch(() => undefined);
      return;
    }
    this.options.observer?.received(message);
    this.queue.push(message as JsonRpcMessage);
  }

  /** The response to request `id` goes to the returned promise instead of the event stream. */
  answer(id: RequestId): Promise<JsonRpcMessage> {
    return new Promise((resolve, reject) => this.answers.set(id, { resolve, reject }));
  }

  /** Queues a message as the next event; resolves once a stream wrote it. */
  send(message: JsonRpcMessage): Promise<void> {
    if (this.closed) return Promise.reject(new ChannelClosedError());
    this.inFlight.settle(message);
    this.options.observer?.sent(message);
    const id = responseId(message);
    const answer = id === undefined ? undefined : this.answers.get(id);
    if (id !== undefined && answer) {
      this.answers.delete(id);
      answer.resolve(message);
      return Promise.resolve();
    }
    try {
      return this.events.append((id) => this.options.eventFormat.event(message, id, takeFrame));
    } catch (error) {
      if (error instanceof FrameTooLargeError) return Promise.reject(error);
      if (isOrchflowError(error)) this.options.onOverloaded(error);
      return Promise.reject(new ChannelClosedError('Client disconnected for not reading its events'));
    }
  }

  /** The next message from the client. */
  receive(): Promise<JsonRpcMessage> {
    return this.queue.receive();
  }

  /**
   * Makes `response` the session's stream (ending any previous one) and writes events from after
   * `lastEventId`, or from the first unwritten one. A resume that cannot be served gets one
   * `error` event `{ code, message }` and the stream ends; the session's current stream stays
   * when the id asked for was never sent.
   */
  attach(response: ServerResponse, lastEventId: number | undefined): void {
    // Checked first: a resume asking for an id never sent leaves the session's stream alone.
    let cursor = 0;
    let refusal: OrchflowError | undefined;
    try {
      cursor = this.events.resumeAt(lastEventId);
    } catch (error) {
      refusal = OrchflowError.from(error);
    }
    // An id never sent is the request's own mistake; events no longer held mean the client lost
    // its stream, which may still look open here: that one is cut as before, so the TTL can run.
    if (refusal?.code !== ErrorCode.InvalidParams) this.detach();
    const format = this.options.eventFormat;
    response.writeHead(200, {
      'Content-Type': format.contentType,
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    // Sends the head at once, so the client knows the stream is open before any event.
    response.write(format.opening);
    if (refusal) {
      response.end(format.error(refusal.toJson()));
      return;
    }
    const stream: Stream = { response, writer: new StreamWriter(response) };
    this.stream = stream;
    stream.writer.keepAlive(format.keepAlive);
    response.once('close', () => this.detach(stream));
    this.options.onStream(true);
    void this.pump(stream, cursor);
  }

  /** Ends the stream with an `error` event (e.g. Overloaded) if one is attached. */
  endStream(error: OrchflowError): void {
    const stream = this.stream;
    if (!stream) return;
    stream.response.end(this.options.eventFormat.error(error.toJson()));
    this.detach(stream);
  }

  /** Closes the channel: pending sends reject, the stream ends; idempotent. */
  close(): Promise<void> {
    this.queue.close();
    this.events.close();
    for (const answer of this.answers.values()) answer.reject(new ChannelClosedError());
    this.answers.clear();
    const stream = this.stream;
    stream?.response.end();
    this.detach(stream);
    return Promise.resolve();
  }

  /** Iterates received messages until the channel closes. */
  [Symbol.asyncIterator](): AsyncIterator<JsonRpcMessage> {
    return this.queue.iterate();
  }

  private detach(which: Stream | undefined = this.stream): void {
    if (!which || this.stream !== which) return;
    this.stream = undefined;
    // A replaced stream is cut: its reader has moved on to the new one.
    if (!which.response.writableEnded) which.response.destroy();
    this.options.onStream(false);
  }

  /** Writes events in order while `stream` is the session's stream. */
  private async pump(stream: Stream, from: number): Promise<void> {
    let cursor = from;
    while (this.stream === stream && !this.closed) {
      // Lent for the write: the event's memory is not reused while the socket may still read it.
      const event = this.events.lend(cursor);
      if (!event) {
        await this.events.appended();
        continue;
      }
      await stream.writer.write(event.block, event.done);
      if (this.stream !== stream || stream.writer.ended) return;
      this.events.markWritten(cursor);
      cursor++;
    }
  }
}

const takeFrame = (size: number) => framePool.take(size);

/** The id of a single response (not a request, notification or batch). */
function responseId(message: JsonRpcMessage): RequestId | undefined {
  if (Array.isArray(message) || 'method' in message || !('id' in message)) return undefined;
  return message.id ?? undefined;
}
