// `orchflow replay FILE [--command N] [--speed X] [--max-idle S]`: plays an asciicast v2/v3
// recording on stdout with its timing, like `asciinema play`: gaps divided by the speed factor,
// idle gaps capped (at S, else at the header's idle_time_limit). `--command N` plays one command,
// from its start marker to its end marker. Output bytes are written as recorded.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  openRecordedCommand,
  openRecording,
  type RecordingEvent,
  type RecordingHeader,
} from '@orchflow/core';
import { commandNumber, positiveNumber, withUsageErrors } from './recording-args';

export interface ReplayFlags {
  command?: string;
  speed?: string;
  maxIdle?: string;
}

/** How to time a playback. */
export interface PlaybackTiming {
  /** Divides every gap (2 plays twice as fast). */
  speed: number;
  /** Caps every gap at this many seconds (before the speed factor, as asciinema does). */
  maxIdle?: number;
  /** Recording time (seconds) playback starts from. */
  start: number;
}

/**
 * The playback clock: for each output event's recording time, the seconds after the start of
 * playback it is due. Gaps are capped at `maxIdle`, then divided by `speed`.
 */
export function playbackClock(timing: PlaybackTiming): (time: number) => number {
  let previous = timing.start;
  let clock = 0;
  return (time) => {
    const gap = Math.max(0, time - previous);
    previous = Math.max(previous, time);
    clock += Math.min(gap, timing.maxIdle ?? Number.POSITIVE_INFINITY) / timing.speed;
    return clock;
  };
}

/**
 * UTF-8 bytes of successive output strings. A surrogate pair split across two events (a writer
 * that cut UTF-16, not bytes) is joined instead of becoming two U+FFFD.
 */
function utf8Encoder(): (text: string) => Buffer {
  let carry = '';
  return (text) => {
    let all = carry + text;
    carry = '';
    const last = all.charCodeAt(all.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      carry = all.slice(-1);
      all = all.slice(0, -1);
    }
    return Buffer.from(all, 'utf8');
  };
}

/** Writes `bytes` to `out`; resolves false when it failed (the reader went away: EPIPE). */
function write(out: NodeJS.WritableStream, bytes: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    out.write(bytes, (error) => resolve(!error));
  });
}

// Output due at the same moment is written in one call, up to this many bytes: one write (and one
// callback) per event would make a fast replay or `record show` of a large file crawl.
const BATCH_BYTES = 64 * 1024;

/** Plays the `o` events of `events` on `out` in time; resolves when done (or `out` closed). */
export async function play(
  events: AsyncIterable<RecordingEvent>,
  out: NodeJS.WritableStream,
  timing: PlaybackTiming,
): Promise<void> {
  const clock = playbackClock(timing);
  const encode = utf8Encoder();
  const began = performance.now();
  let batch: Buffer[] = [];
  let batchBytes = 0;
  // Awaiting each write's callback bounds memory and keeps the timing honest on a slow reader.
  const flush = async (): Promise<boolean> => {
    if (batchBytes === 0) return true;
    const bytes = Buffer.concat(batch);
    batch = [];
    batchBytes = 0;
    return write(out, bytes);
  };
  // A reader that goes away (`| head`) ends playback quietly instead of crashing on EPIPE.
  const ignore = () => undefined;
  out.on('error', ignore);
  try {
    for await (const event of events) {
      if (event.code !== 'o') continue;
      const dueAt = began + clock(event.time) * 1000;
      if (dueAt - performance.now() > 1) {
        if (!(await flush())) return;
        const wait = dueAt - performance.now();
        if (wait > 1) await sleep(wait);
      }
      const bytes = encode(event.data);
      batch.push(bytes);
      batchBytes += bytes.length;
      if (batchBytes >= BATCH_BYTES && !(await flush())) return;
    }
    await flush();
  } finally {
    out.off('error', ignore);
  }
}

function sizeNote(header: RecordingHeader): void {
  const { columns, rows } = process.stdout;
  if (!process.stdout.isTTY || (columns >= header.cols && rows >= header.rows)) return;
  process.stderr.write(
    `orchflow: recorded at ${header.cols}x${header.rows}; this terminal is ${columns}x${rows} (resize it for a faithful replay)\n`,
  );
}

/** Runs `orchflow replay`. */
export async function replay(
  file: string,
  flags: ReplayFlags,
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  return withUsageErrors(file, async () => {
    const speed = flags.speed === undefined ? 1 : positiveNumber('--speed', flags.speed);
    const maxIdle = flags.maxIdle === undefined ? undefined : positiveNumber('--max-idle', flags.maxIdle);
    const n = flags.command === undefined ? undefined : commandNumber(flags.command);
    if (n === undefined) {
      const recording = await openRecording(file);
      sizeNote(recording.header);
      const idle = maxIdle ?? recording.header.idleTimeLimit;
      await play(recording.events(), out, { speed, maxIdle: idle, start: 0 });
      if (recording.truncated) {
        process.stderr.write(
          `orchflow: ${file}: the last line is incomplete (the recorder stopped mid-write); played up to it\n`,
        );
      }
      return 0;
    }
    const command = await openRecordedCommand(file, n);
    sizeNote(command.header);
    const idle = maxIdle ?? command.header.idleTimeLimit;
    await play(command.events(), out, { speed, maxIdle: idle, start: command.command.time });
    if (!command.command.ended)
      process.stderr.write(`orchflow: command ${n} did not end in this recording\n`);
    return 0;
  });
}
