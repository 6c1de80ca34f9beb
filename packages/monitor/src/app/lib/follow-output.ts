// Feeds one terminal view: the terminal's retained scrollback first, then live output, resuming
// from the view's own offset bookkeeping (OffsetTracker) each time it is (re)started — after the
// client reconnects, or with a new client after the old one gave up — so the view never shows a
// byte twice and marks every hole. A terminal that cannot be subscribed to (it exited) is read
// page by page instead.
import type { OutputEvent, ReadResult } from '@orchflow/client';
import { holeMarker, type OffsetTracker, type TrackedPiece } from './offset-tracker';

/** What a view needs from a terminal handle (RemoteTerminal has it). */
export interface OutputSource {
  stream(options: {
    fromOffset?: number;
    signal?: AbortSignal;
    maxBufferedBytes?: number;
  }): AsyncIterable<OutputEvent>;
  read(options: { fromOffset?: number; maxBytes?: number }): Promise<ReadResult>;
}

/** Client-side buffer of a view's stream: beyond it the client turns pending output into a gap. */
export const VIEW_STREAM_BUFFER_BYTES = 1024 * 1024;

/** Most pages read from a terminal that cannot stream (each up to the server's page size). */
const MAX_READ_PAGES = 64;

/** Turns tracked pieces into the text a view writes. */
export function piecesToText(pieces: readonly TrackedPiece[]): string {
  return pieces
    .map((piece) => (piece.kind === 'text' ? piece.text : holeMarker(piece.from, piece.to)))
    .join('');
}

/**
 * Streams `source` into `write` until the terminal ends (resolves 'ended'), `signal` aborts
 * (resolves 'aborted') or the connection fails (rejects). When subscribing fails outright, falls
 * back to reading what is retained (resolves 'read').
 */
export async function followOutput(
  source: OutputSource,
  tracker: OffsetTracker,
  write: (text: string) => void,
  signal: AbortSignal,
): Promise<'ended' | 'aborted' | 'read'> {
  let subscribed = false;
  try {
    for await (const event of source.stream({
      fromOffset: tracker.resumeOffset(),
      signal,
      maxBufferedBytes: VIEW_STREAM_BUFFER_BYTES,
    })) {
      subscribed = true;
      if (event.type === 'data')
        write(piecesToText(tracker.data(event.offset, event.nextOffset, event.data)));
      else if (event.type === 'gap') write(piecesToText(tracker.gap(event.from, event.to)));
      else return 'ended';
    }
    return 'aborted';
  } catch (error) {
    if (signal.aborted) return 'aborted';
    if (subscribed) throw error;
    // No subscription at all (e.g. the terminal exited before we came): show what is retained.
    await readRetained(source, tracker, write, signal);
    return 'read';
  }
}

async function readRetained(
  source: OutputSource,
  tracker: OffsetTracker,
  write: (text: string) => void,
  signal: AbortSignal,
): Promise<void> {
  for (let page = 0; page < MAX_READ_PAGES && !signal.aborted; page++) {
    const result = await source.read({ fromOffset: tracker.resumeOffset() });
    // A fresh view starts at the oldest retained byte; older output rotating out is no hole to it.
    if (result.gap && tracker.next !== undefined)
      write(piecesToText(tracker.gap(result.gap.from, result.gap.to)));
    write(piecesToText(tracker.data(result.offset, result.nextOffset, result.data)));
    if (result.nextOffset >= result.endOffset || result.nextOffset === result.offset) return;
  }
}
