// Progress notifications while a tool call holds (`terminal_run` up to `yield_ms`, `terminal_wait`
// up to `timeout_ms`): `progress` is the milliseconds the call has held, `total` the most it will
// hold, and `message` the tail of the output. They go out when output arrives (at most one per
// PROGRESS_INTERVAL_MS) and, with no output, every PROGRESS_HEARTBEAT_MS: a client that resets
// its request timeout on progress (the SDKs' `resetTimeoutOnProgress`, whose default timeout is
// 60 s) then keeps waiting through a quiet command instead of failing the call.
import type { ServerContext } from '@modelcontextprotocol/server';
import { tailOf } from './output';
import type { TerminalRecord } from './terminal-record';
import { progressSender } from './tool-host';

/** Least time between two progress notifications. */
export const PROGRESS_INTERVAL_MS = 200;
/** Longest time without a progress notification while a call holds. */
export const PROGRESS_HEARTBEAT_MS = 10_000;

/** Characters of output tail a notification carries. */
const TAIL_CHARS = 500;

/**
 * The function to call whenever a held call wakes (output, or every PROGRESS_HEARTBEAT_MS at
 * most), or undefined when the request carries no progress token. `fromOffset` is where the
 * output the message shows starts; `totalMs` the most the call holds.
 */
export function progressTicker(
  record: TerminalRecord,
  fromOffset: () => number,
  totalMs: number,
  ctx: ServerContext,
): (() => void) | undefined {
  const send = progressSender(ctx);
  if (!send) return undefined;
  const began = Date.now();
  let shownOffset = record.endOffset;
  let lastAt = began;
  let lastProgress = 0;
  return () => {
    const now = Date.now();
    const output = record.endOffset !== shownOffset;
    if (now - lastAt < (output ? PROGRESS_INTERVAL_MS : PROGRESS_HEARTBEAT_MS)) return;
    shownOffset = record.endOffset;
    lastAt = now;
    // Progress must increase with every notification.
    lastProgress = Math.max(lastProgress + 1, now - began);
    send(lastProgress, totalMs, tailOf(record.plain(record.recentOutput(fromOffset())), TAIL_CHARS));
  };
}
