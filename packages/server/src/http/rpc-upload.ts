// `POST /v1/rpc/stream`: a session's messages on one long request body, one JSON-RPC message (or
// batch) per line (NDJSON), for clients that can stream a request body (Node's). Each line is
// taken exactly as a POST of it to `/v1/rpc` would be, in order, but without an HTTP request per
// message: node:http's parsing of a request and the writing of its `202` were most of what HTTP
// added to a command's round trip. Answers still go out on the session's event stream. The
// request ends with `204` when the client ends its body, `404` when the session ends, `413` for a
// line over the body limit, and `409` when a newer message stream of the session replaces it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { rpcBody } from './http-body';
import { sendError } from './http-errors';
import { NdjsonLines } from './ndjson-lines';

/** The path of a session's message stream. */
export const RPC_STREAM_PATH = '/v1/rpc/stream';
/** The media type of a message stream's body. */
export const NDJSON_MEDIA_TYPE = 'application/x-ndjson';

/** Where an upload's messages go (its session). */
export interface UploadTarget {
  /** True once the session takes no more messages. */
  readonly closing: boolean;
  /** Takes one parsed message or batch, as a POST's body. */
  post(message: object): void;
  /** Answers a line that is not a JSON-RPC message (on the event stream, as `id: null`). */
  refuse(error: { code: number; message: string }): void;
}

/** True for a request to a session's message stream (`POST /v1/rpc/stream`, a trailing `/` too). */
export function isMessageStream(request: IncomingMessage): boolean {
  if (request.method !== 'POST') return false;
  const path = request.url?.split('?')[0]?.replace(/\/+$/, '');
  return path === RPC_STREAM_PATH;
}

/** A message stream being read. */
export interface Upload {
  /** Ends it: answered with `error` (and its `status`), or `204` without one. */
  stop(error?: OrchflowError, status?: number): void;
}

/** Reads `request`'s body line by line into `target` until the body or the session ends. */
export function receiveUpload(
  request: IncomingMessage,
  response: ServerResponse,
  target: UploadTarget,
  maxLineBytes: number,
): Upload {
  const lines = new NdjsonLines(maxLineBytes);
  let stopped = false;
  const stop = (error?: OrchflowError, status?: number): void => {
    if (stopped) return;
    stopped = true;
    request.off('data', onData);
    if (response.writableEnded || response.destroyed) return;
    if (!error) {
      response.writeHead(204, { 'Cache-Control': 'no-store' }).end();
      return;
    }
    // The rest of the body is not read: the connection cannot carry another request.
    sendError(response, error, status, { Connection: 'close' });
  };
  const take = (line: string): void => {
    const text = line.trim();
    if (stopped || text === '') return;
    if (target.closing) {
      stop(new OrchflowError(ErrorCode.InvalidState, 'The HTTP session ended; start a new one'), 404);
      return;
    }
    const parsed = rpcBody(text);
    if (!parsed.ok) {
      target.refuse(parsed.error);
      return;
    }
    try {
      target.post(parsed.value);
    } catch (error) {
      // The session closed under this very line: its client must start a new one.
      stop(OrchflowError.from(error), 404);
    }
  };
  const onData = (chunk: Buffer): void => {
    try {
      // The lines before one over the limit are taken: each is a message of its own.
      lines.push(chunk, take);
    } catch (error) {
      stop(OrchflowError.from(error));
    }
  };
  request.on('data', onData);
  request.once('end', () => {
    take(lines.rest());
    stop();
  });
  // A client that went away (the body cut short): nothing to answer.
  request.on('error', () => undefined);
  response.once('close', () => {
    stopped = true;
    request.off('data', onData);
  });
  return { stop };
}
