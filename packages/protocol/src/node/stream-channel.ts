// An IpcChannel over Node byte streams: a Duplex (socket) or a readable/writable pair (a child's
// stdout/stdin, process.stdin/stdout). It only frames: payloads are JSON.parse'd and handed on
// without schema checks, because RpcPeer validates shapes and answers InvalidRequest itself.
import { Buffer } from 'node:buffer';
import { type Duplex, finished, type Readable, type Writable } from 'node:stream';
import type { IpcChannel } from '../channel';
import { ChannelClosedError, ErrorCode } from '../errors';
import type { FrameCodec, FrameDecoder } from '../framing/codec';
import { ContentLengthCodec } from '../framing/content-length';
import type { JsonRpcErrorResponse, JsonRpcMessage } from '../jsonrpc';
import { MessageQueue } from '../message-queue';

/** Separate read and write streams, e.g. `{ readable: child.stdout, writable: child.stdin }`. */
export interface StreamPair {
  /** Where frames are read from. */
  readable: Readable;
  /** Where frames are written to. */
  writable: Writable;
}

/** Options of {@link StreamChannel}. */
export interface StreamChannelOptions {
  /** Framing on the wire. Default: a `ContentLengthCodec` with the default size limit. */
  codec?: FrameCodec;
  /**
   * What to do with a frame that is not valid JSON: `'respond'` (default) writes a JSON-RPC
   * ParseError response with `id: null` and keeps reading; `'ignore'` drops it silently.
   */
  onParseError?: 'respond' | 'ignore';
  /** Told why the channel failed: a `FrameTooLargeError`, `FramingError` or stream error. */
  onError?: (error: Error) => void;
  /** Received messages held before reading pauses until they are consumed. Default 1024. */
  maxBufferedMessages?: number;
  /** How long `close()` lets queued writes flush before destroying the streams. Default 2000 ms. */
  closeTimeoutMs?: number;
}

/** Default of {@link StreamChannelOptions.maxBufferedMessages}. */
export const DEFAULT_MAX_BUFFERED_MESSAGES = 1024;
/** Default of {@link StreamChannelOptions.closeTimeoutMs}. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 2_000;

/** An {@link IpcChannel} that frames JSON-RPC messages over a Node byte stream. */
export class StreamChannel implements IpcChannel {
  private readonly queue = new MessageQueue();
  private readonly readable: Readable;
  private readonly writable: Writable;
  /** False when one Duplex is both ends, so listeners and destroy happen once. */
  private readonly separate: boolean;
  private readonly codec: FrameCodec;
  private readonly decoder: FrameDecoder;
  private readonly respondToParseErrors: boolean;
  private readonly onError: ((error: Error) => void) | undefined;
  private readonly maxBuffered: number;
  private readonly closeTimeoutMs: number;
  private closeError: ChannelClosedError | undefined;
  private closing: Promise<void> | undefined;
  private drain: Promise<void> | undefined;
  private abortDrain: ((error: Error) => void) | undefined;
  private paused = false;

  constructor(stream: Duplex | StreamPair, options: StreamChannelOptions = {}) {
    // A Duplex also has `readable`/`writable`, but as booleans.
    const pair = typeof stream.readable === 'object' ? (stream as StreamPair) : undefined;
    this.readable = pair ? pair.readable : (stream as Duplex);
    this.writable = pair ? pair.writable : (stream as Duplex);
    this.separate = pair !== undefined;
    this.codec = options.codec ?? new ContentLengthCodec();
    this.decoder = this.codec.createDecoder();
    this.respondToParseErrors = (options.onParseError ?? 'respond') === 'respond';
    this.onError = options.onError;
    this.maxBuffered = options.maxBufferedMessages ?? DEFAULT_MAX_BUFFERED_MESSAGES;
    this.closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;

    // Error listeners stay attached for the streams' lifetime: a late EPIPE after close must not
    // become an uncaught exception.
    const onStreamError = (error: Error) => this.fail(error);
    this.readable.on('error', onStreamError);
    if (this.separate) this.writable.on('error', onStreamError);
    this.readable.on('data', this.onData);
    this.readable.once('end', () => void this.shutdown());
    this.readable.once('close', () => void this.shutdown());
    if (this.separate) this.writable.once('close', () => void this.shutdown());
    if (this.readable.destroyed || this.readable.readableEnded || this.writable.destroyed) {
      void this.shutdown();
    }
  }

  /** True once the channel or its stream has closed. */
  get closed(): boolean {
    return this.closeError !== undefined;
  }

  /** Writes one frame; resolves once the stream accepts more (waits for 'drain' if needed). */
  async send(message: JsonRpcMessage): Promise<void> {
    if (this.closeError) throw this.closeError;
    const frame = this.codec.encode(message);
    if (this.writable.write(frame)) return;
    await this.waitForDrain();
  }

  /** The next received message; rejects with `ChannelClosedError` once closed and drained. */
  receive(): Promise<JsonRpcMessage> {
    const next = this.queue.receive();
    if (this.paused && this.queue.size <= this.maxBuffered / 2) {
      this.paused = false;
      this.readable.resume();
    }
    return next;
  }

  /** Ends the writable side, then destroys the streams; idempotent. */
  close(): Promise<void> {
    return this.shutdown();
  }

  /** Iterates received messages until the channel closes. */
  async *[Symbol.asyncIterator](): AsyncGenerator<JsonRpcMessage> {
    for (;;) {
      try {
        yield await this.receive();
      } catch (error) {
        if (error === this.closeError) return;
        throw error;
      }
    }
  }

  private readonly onData = (chunk: Uint8Array | string): void => {
    let frames: string[];
    try {
      frames = this.decoder.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    for (const frame of frames) this.deliver(frame);
    if (!this.closed && this.queue.size >= this.maxBuffered) {
      this.paused = true;
      this.readable.pause();
    }
  };

  private deliver(frame: string): void {
    let message: unknown;
    try {
      message = JSON.parse(frame);
    } catch (error) {
      if (this.respondToParseErrors) this.respondParseError(error as Error);
      return;
    }
    this.queue.push(message as JsonRpcMessage);
  }

  private respondParseError(error: Error): void {
    const response: JsonRpcErrorResponse = {
      jsonrpc: '2.0',
      id: null,
      error: {
        code: ErrorCode.ParseError,
        message: `Parse error: ${error.message}; each frame must hold exactly one JSON document`,
      },
    };
    // Best effort: if the channel closes meanwhile there is nobody left to tell.
    this.send(response).catch(() => {});
  }

  private fail(error: Error): void {
    if (this.closed) return;
    void this.shutdown(error);
    this.onError?.(error);
  }

  private waitForDrain(): Promise<void> {
    this.drain ??= new Promise<void>((resolve, reject) => {
      const onDrain = () => {
        this.drain = undefined;
        this.abortDrain = undefined;
        resolve();
      };
      this.writable.once('drain', onDrain);
      this.abortDrain = (error) => {
        this.writable.off('drain', onDrain);
        this.drain = undefined;
        reject(error);
      };
    });
    return this.drain;
  }

  private shutdown(cause?: Error): Promise<void> {
    if (this.closing) return this.closing;
    this.closeError = cause
      ? new ChannelClosedError(`Channel closed: ${cause.message}`, { cause })
      : new ChannelClosedError();
    this.queue.close(this.closeError);
    this.abortDrain?.(this.closeError);
    this.readable.off('data', this.onData);
    this.closing = this.teardown();
    return this.closing;
  }

  /** Lets queued writes flush (bounded by closeTimeoutMs), then releases the streams. */
  private async teardown(): Promise<void> {
    const { readable, writable } = this;
    const flushed = writable.writableFinished || (!writable.destroyed && (await this.endWritable()));
    // A flushed writable of a stream pair auto-destroys once its reader is done; destroying it
    // here could drop bytes still buffered for that reader (e.g. in a PassThrough).
    if (!flushed) writable.destroy();
    readable.destroy();
  }

  /** Ends the writable; true once everything was flushed, false on error or timeout. */
  private endWritable(): Promise<boolean> {
    const writable = this.writable;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), this.closeTimeoutMs);
      timer.unref();
      finished(writable, { readable: false }, (error) => {
        clearTimeout(timer);
        resolve(!error);
      });
      if (!writable.writableEnded) writable.end();
    });
  }
}
