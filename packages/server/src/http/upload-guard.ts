// What a session's message stream (`POST /v1/rpc/stream`) may hold between lines. An accepted
// stream is exempt from the body deadline, since its body lasts as long as the session uses it;
// that exemption is for the quiet between messages, not for a message left half sent. A client
// writes each line whole, so a line that stays unfinished belongs to a client that stalled, and
// each such stream held up to `maxBodyBytes` (40 sessions stalled mid-line: +160 MiB, for ever).
// The unfinished line is therefore charged to its token's budget of bytes still arriving (see
// body-budget.ts: past it the stream ends with `429`), and a line that gets no byte for
// `idleMs` ends the stream with `408`. The lines before either were taken.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { holdBody } from './body-budget';
import { partialLineBytes } from './ndjson-lines';

/** Default time an unfinished line of a message stream may go without a byte: 30 s. */
export const DEFAULT_PARTIAL_LINE_IDLE_MS = 30_000;

/** How {@link guardUpload} watches a message stream. */
export interface UploadGuardOptions {
  /** The longest line (`maxBodyBytes`), which sizes the token's budget. */
  maxLineBytes: number;
  /** Time an unfinished line may go without a byte. */
  idleMs: number;
  /** Ends the stream with `error`, answered with `status`. */
  stop(error: OrchflowError, status?: number): void;
}

/**
 * Watches `request`, a message stream answered on `response`, until either ends. Listens after
 * the stream's reader, so a chunk's complete lines are taken before its rest is judged.
 */
export function guardUpload(
  request: IncomingMessage,
  response: ServerResponse,
  options: UploadGuardOptions,
): void {
  const hold = holdBody(request, options.maxLineBytes);
  let partial = 0;
  let idle: ReturnType<typeof setTimeout> | undefined;
  const end = (): void => {
    request.off('data', onData);
    clearTimeout(idle);
    hold.release();
  };
  const refuse = (error: OrchflowError, status?: number): void => {
    end();
    options.stop(error, status);
  };
  const onData = (chunk: Buffer): void => {
    partial = partialLineBytes(partial, chunk);
    try {
      hold.hold(partial);
    } catch (error) {
      refuse(OrchflowError.from(error));
      return;
    }
    if (partial === 0) {
      clearTimeout(idle);
      idle = undefined;
    } else if (idle) {
      idle.refresh();
    } else {
      idle = setTimeout(() => refuse(stalled(options.idleMs), 408), options.idleMs);
      idle.unref();
    }
  };
  request.on('data', onData);
  request.once('end', end);
  response.once('close', end);
}

function stalled(idleMs: number): OrchflowError {
  return new OrchflowError(
    ErrorCode.Timeout,
    `A line of the message stream got no more bytes for ${idleMs} ms; write each message with its newline at once, and open a new message stream`,
    { idleMs },
  );
}
