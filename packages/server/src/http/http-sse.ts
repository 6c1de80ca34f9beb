// `GET /v1/terminals/:id/stream`: a terminal's output as Server-Sent Events over one core
// subscription. Every event's `id:` is the offset after it, so a reconnecting EventSource (which
// sends `Last-Event-ID`) resumes exactly where it stopped. Events: `open` { terminalId, offset },
// `output` { data, offset }, `gap` { from, to }, `exit` { exitCode, signal }; the response ends
// after `exit`. Writes wait for the socket to drain, which pauses the terminal behind a slow reader
// — for at most `maxStallMs`: then the stream goes lossy (slow-consumer rule), and output the ring
// lost meanwhile arrives as a `gap` event whose id is the ring's start, where the stream resumes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, OrchflowError, type Principal, type ServerInfo } from '@orchflow/protocol';
import type { ChannelServer } from '../channel-server';
import { clipText } from '../clip-text';
import { sendError } from './http-errors';
import { openRestConnection } from './rest-connection';
import { sseEvent } from './sse-events';
import { KEEPALIVE_MS, StreamWriter } from './stream-writer';

/** What one SSE stream needs. */
export interface SseRequest {
  channels: ChannelServer;
  principal: Principal;
  terminalId: string;
  /** `?fromOffset=` of the URL, if any. */
  fromOffsetQuery: string | undefined;
  serverInfo?: ServerInfo;
  /** See the slow-consumer rule; default 2 s. */
  maxStallMs?: number;
  /** Called once the stream's connection is cleaned up (its subscription disposed). */
  onClosed?: () => void;
  /** Hears internal failures (see `HttpServerOptions.onError`). */
  onError?: (error: Error) => void;
}

/** Serves the stream until the terminal exits or the client goes away. */
export async function serveSse(
  request: IncomingMessage,
  response: ServerResponse,
  sse: SseRequest,
): Promise<void> {
  const fromOffset =
    parseOffset(request.headers['last-event-id'], 'Last-Event-ID') ??
    parseOffset(sse.fromOffsetQuery, 'fromOffset');
  let openHead: () => void = () => undefined;
  const headWritten = new Promise<void>((resolve) => {
    openHead = resolve;
  });
  const writer = new StreamWriter(response);
  const write = (text: string): Promise<void> => writer.write(text);
  const connection = await openRestConnection(sse.channels, sse.principal, {
    serverInfo: sse.serverInfo,
    maxStallMs: sse.maxStallMs,
    onError: sse.onError,
    sink: async (method, params) => {
      await headWritten;
      if (method === 'terminal.output') {
        const data = String(params.data);
        // The offset after the chunk's bytes: `nextOffset`, not the decoded text's length (an
        // invalid byte decodes to U+FFFD, three bytes), or a resume would skip or refuse bytes.
        const next =
          typeof params.nextOffset === 'number'
            ? params.nextOffset
            : Number(params.offset) + Buffer.byteLength(data, 'utf8');
        await write(sseEvent('output', { data, offset: params.offset }, next));
      } else if (method === 'terminal.gap') {
        await write(sseEvent('gap', { from: params.from, to: params.to }, Number(params.to)));
      } else if (method === 'terminal.exit') {
        await write(sseEvent('exit', { exitCode: params.exitCode, signal: params.signal }));
        response.end();
      }
    },
  });
  const keepAlive = setInterval(() => {
    if (!writer.busy) void write(': keep-alive\n\n');
  }, KEEPALIVE_MS);
  keepAlive.unref();
  let cleanup: Promise<void> | undefined;
  const close = (): Promise<void> => {
    clearInterval(keepAlive);
    cleanup ??= connection.close().finally(() => sse.onClosed?.());
    return cleanup;
  };
  response.once('close', () => void close());
  let offset: number;
  try {
    ({ offset } = await connection.peer.request('terminal.subscribe', {
      terminalId: sse.terminalId,
      fromOffset,
    }));
  } catch (error) {
    await close();
    sendError(response, error);
    return;
  }
  response.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  response.write(`retry: 1000\n${sseEvent('open', { terminalId: sse.terminalId, offset }, offset)}`);
  openHead();
}

function parseOffset(value: string | string[] | undefined, what: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const text = Array.isArray(value) ? value[0] : value;
  if (text !== undefined && /^\d+$/.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
  throw new OrchflowError(
    ErrorCode.InvalidParams,
    `${what} must be a byte offset (a non-negative integer up to ${Number.MAX_SAFE_INTEGER}), got '${clipText(String(text), 40)}'`,
  );
}
