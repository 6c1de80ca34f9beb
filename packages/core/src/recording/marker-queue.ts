// Puts command markers between the right output bytes. The history hears of a command before the
// batched output around it reaches listeners (≤ 16 ms later, or much later under flow control), so
// each marker carries the output offset of its moment and waits until the output up to there has
// been written; a chunk that spans a marker's offset is split there (on a character boundary).
// Output is handled as the terminal's bytes (a chunk ends on a character boundary).
import type { CommandRecord } from '@orchflow/protocol';

/** A command start or end waiting for its place in the output. */
export interface PendingMarker {
  type: 'start' | 'end';
  record: CommandRecord;
  /** Output offset the marker goes after. */
  offset: number;
  /** Seconds since the recording started, when the command event came. */
  time: number;
}

/** What the queue writes through. */
export interface MarkerSink {
  output(time: number, bytes: Uint8Array): void;
  marker(marker: PendingMarker): void;
}

/** Orders markers into the output stream of one terminal. */
export class MarkerQueue {
  private readonly queue: PendingMarker[] = [];
  /** Where the output seen so far ends. */
  private end = 0;

  /** A queue whose output so far ends at `offset` (output before the recording started). */
  constructor(offset: number) {
    this.end = offset;
  }

  /** A marker: written at once when its output has been seen, else queued. */
  add(marker: PendingMarker, sink: MarkerSink): void {
    if (this.queue.length === 0 && marker.offset <= this.end) {
      sink.marker(marker);
    } else {
      this.queue.push(marker);
    }
  }

  /** An output chunk at `offset`: written around the markers that fall within it. */
  output(offset: number, bytes: Uint8Array, now: number, sink: MarkerSink): void {
    const end = offset + bytes.length;
    this.end = end;
    if (this.queue.length === 0) {
      sink.output(now, bytes);
      return;
    }
    let cut = 0;
    for (let next = this.queue[0]; next && next.offset <= end; next = this.queue[0]) {
      this.queue.shift();
      const at = charStart(bytes, Math.max(cut, next.offset - offset));
      if (at > cut) sink.output(Math.min(now, next.time), bytes.subarray(cut, at));
      cut = at;
      sink.marker(next);
    }
    if (cut < bytes.length) sink.output(now, cut === 0 ? bytes : bytes.subarray(cut));
  }

  /** Writes every queued marker (the terminal exited: no more output will come). */
  drain(sink: MarkerSink): void {
    for (const marker of this.queue.splice(0)) sink.marker(marker);
  }
}

/** `index` moved forward to the start of a character. */
function charStart(bytes: Uint8Array, index: number): number {
  let i = Math.min(index, bytes.length);
  while (i < bytes.length && ((bytes[i] as number) & 0xc0) === 0x80) i++;
  return i;
}
