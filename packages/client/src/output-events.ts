// The events a client-side output stream yields. They mirror `StreamEvent` of @orchflow/terminal
// (which the client cannot import: it runs in browsers), so code written against core's
// in-process handle reads a remote stream unchanged.
import type { OutputChunk } from '@orchflow/protocol/runtime';

/** A piece of output; `nextOffset` is where the next chunk starts (resume from it). */
export interface OutputDataEvent extends OutputChunk {
  type: 'data';
  /** Offset one past the chunk's last byte. */
  nextOffset: number;
  /**
   * The chunk's raw bytes ([offset, nextOffset)) when the transport carried them as bytes
   * (WebSocket binary output frames); `data` is then decoded from them on first read. Not
   * enumerable. Must not be modified.
   */
  bytes?: Uint8Array;
}

/** Output in [from, to) was not delivered (rotated out of the ring, or dropped by a slow reader). */
export interface OutputGapEvent {
  type: 'gap';
  from: number;
  to: number;
}

/** The terminal exited; nothing follows. `offset` is one past the last byte delivered. */
export interface OutputEndEvent {
  type: 'end';
  offset: number;
  /**
   * Set when the exit was concluded rather than seen (the `terminal.exit`'s `reason`): in a
   * cluster, `'node-lost'` means the node running the terminal is gone. Absent for a real exit.
   */
  reason?: string;
}

/** What `RemoteTerminal.stream()` yields. */
export type OutputEvent = OutputDataEvent | OutputGapEvent | OutputEndEvent;

const encoder = new TextEncoder();

/** Byte length of `text` in UTF-8: offsets count bytes, while `data` arrives as a string. */
export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}
