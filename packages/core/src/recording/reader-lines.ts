// Splits a recording file into lines of bytes as it streams, with each line's file byte offset,
// so a reader holds one line at a time (bounded by maxLineBytes) whatever the file's size, and can
// tell a line cut short at end of file (a writer killed mid-write) from a complete one.
import { createReadStream } from 'node:fs';
import { invalidParams } from '../errors';

/** One line of a recording file, without its `\n`. */
export interface CastLine {
  bytes: Buffer;
  /** File byte offset of the line's first byte. */
  offset: number;
  /** False for a last line that has no `\n` (the file ends inside it). */
  complete: boolean;
}

const NEWLINE = 0x0a;
// 64 KiB reads: few syscalls, small resident memory.
const READ_CHUNK_BYTES = 64 * 1024;

/** Streams the lines of `path` from byte `start`; a line over `maxLineBytes` fails (InvalidParams). */
export async function* castLines(
  path: string,
  start: number,
  maxLineBytes: number,
): AsyncGenerator<CastLine> {
  const stream = createReadStream(path, { start, highWaterMark: READ_CHUNK_BYTES });
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineOffset = start;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let from = 0;
      for (let nl = chunk.indexOf(NEWLINE, from); nl !== -1; nl = chunk.indexOf(NEWLINE, from)) {
        const piece = chunk.subarray(from, nl);
        const bytes = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
        if (bytes.length > maxLineBytes) throw tooLong(path, lineOffset, maxLineBytes);
        pending = [];
        pendingBytes = 0;
        yield { bytes, offset: lineOffset, complete: true };
        lineOffset += bytes.length + 1;
        from = nl + 1;
      }
      if (from < chunk.length) {
        pending.push(chunk.subarray(from));
        pendingBytes += chunk.length - from;
        if (pendingBytes > maxLineBytes) throw tooLong(path, lineOffset, maxLineBytes);
      }
    }
    if (pendingBytes > 0) yield { bytes: Buffer.concat(pending), offset: lineOffset, complete: false };
  } finally {
    stream.destroy();
  }
}

function tooLong(path: string, offset: number, max: number) {
  return invalidParams(
    `${path}: the line at byte ${offset} is longer than ${max} bytes; not an asciicast file, or raise maxLineBytes`,
    { path, byteOffset: offset, reason: 'line too long' },
  );
}
