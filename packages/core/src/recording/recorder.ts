// The recording of one terminal: its output, resizes, optional input and one marker per command
// written as asciicast events as they happen, with the sidecar index rewritten as commands end
// (at most once a second, see index-file). Limits: a file that would cross `maxBytes` either
// continues in `<id>.1.cast`, `<id>.2.cast` … (`rotate`) or ends with a `recording truncated at
// limit` marker; the directory's budget is asked before every line. A write error stops this recording only (reported once).
import { existsSync } from 'node:fs';
import type { CommandRecord } from '@orchflow/protocol';
import { utf8Decoder } from '@orchflow/terminal/internal';
import {
  type CastEventCode,
  type CastLine,
  clipLabel,
  endLabel,
  eventLine,
  fittingPrefix,
  headerLine,
  lineBytes,
  seconds,
  startLabel,
  TRUNCATED_LABEL,
} from './asciicast';
import { CastFile } from './cast-file';
import { CommandIndex } from './index-file';
import { type JsonBytes, jsonBytesOf } from './json-bytes';
import { MarkerQueue, type MarkerSink, type PendingMarker } from './marker-queue';
import type { RecordedTerminal, RecorderSettings } from './settings';

/** Room kept in every size-limited file for the truncation marker (and v3's exit event). */
const RESERVE_BYTES = 128;

interface Running {
  record: CommandRecord;
  n: number;
  time: number;
  byteOffset: number;
}

/** Records one terminal. */
export class TerminalRecorder {
  private file!: CastFile;
  private index!: CommandIndex;
  private part = 0;
  /** When the current file started, in seconds of `performance.now()`. */
  private startSec = 0;
  private lastTime = 0;
  private count = 0;
  private running: Running | undefined;
  private stopped = false;
  private partClosed = false;
  private readonly markers: MarkerQueue;
  private readonly sink: MarkerSink = {
    // Valid UTF-8 is written from the bytes; other bytes are decoded (U+FFFD) and escaped as text.
    output: (time, bytes) => void this.event(time, 'o', jsonBytesOf(bytes) ?? textOf(bytes)),
    marker: (marker) => this.marker(marker),
  };
  /** Bytes of the current file counted against the directory. */
  private accounted = 0;
  private skipUntil: number;
  private cols: number;
  private rows: number;

  /**
   * Starts recording (the first file is created now; throws when it cannot be). `backlog` is the
   * output printed before the recording started, which ends at offset `backlogEnd`.
   */
  constructor(
    private readonly terminal: RecordedTerminal,
    private readonly settings: RecorderSettings,
    backlog = '',
    backlogEnd = 0,
  ) {
    this.cols = terminal.cols;
    this.rows = terminal.rows;
    this.skipUntil = backlogEnd;
    this.markers = new MarkerQueue(backlogEnd);
    this.openPart();
    settings.counters.active++;
    if (backlog) this.event(this.now(), 'o', backlog);
  }

  /** Path of the file being written now. */
  get path(): string {
    return this.file.path;
  }

  /** True once the recording ended (terminal exit, limit, or write error). */
  get done(): boolean {
    return this.stopped;
  }

  /**
   * Output at absolute `offset`, as the terminal's bytes (a chunk ending on a character boundary)
   * or as text; output already in the backlog is skipped.
   */
  output(offset: number, data: Uint8Array | string): void {
    if (this.stopped) return;
    let bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let at = offset;
    if (offset < this.skipUntil) {
      const skip = this.skipUntil - offset;
      if (skip >= bytes.length) return;
      bytes = bytes.subarray(skip);
      at = this.skipUntil;
    }
    this.markers.output(at, bytes, this.now(), this.sink);
  }

  /** A command started or ended; `outputOffset` is where its marker goes in the output. */
  command(type: 'start' | 'end', record: CommandRecord, outputOffset: number): void {
    if (this.stopped) return;
    this.markers.add({ type, record, offset: outputOffset, time: this.now() }, this.sink);
  }

  /** The terminal was resized. */
  resize(cols: number, rows: number): void {
    this.cols = cols;
    this.rows = rows;
    this.event(this.now(), 'r', `${cols}x${rows}`);
  }

  /** Input typed into the terminal (recorded only when input recording is on). */
  input(data: string): void {
    if (this.settings.input) this.event(this.now(), 'i', data);
  }

  /** The terminal exited: pending markers, v3's exit event, and the files are closed. */
  exit(exitCode: number | null): void {
    if (this.stopped) return;
    this.markers.drain(this.sink);
    if (this.settings.format === 'v3') this.event(this.now(), 'x', String(exitCode ?? -1));
    this.finish();
  }

  /** Stops recording (orchestrator shutdown): what is buffered is written and the file closed. */
  close(): void {
    if (this.stopped) return;
    this.markers.drain(this.sink);
    this.finish();
  }

  /** Writes a command's marker (and, at its end, its index entry). */
  private marker(marker: PendingMarker): void {
    const { record } = marker;
    if (marker.type === 'start') {
      const byteOffset = this.event(marker.time, 'm', clipLabel(startLabel(record.command)));
      if (byteOffset >= 0)
        this.running = { record, n: ++this.count, time: seconds(this.lastTime), byteOffset };
    } else {
      this.event(marker.time, 'm', endLabel(record.exitCode, record.durationMs ?? 0, record.cwd));
      const running = this.running;
      this.running = undefined;
      if (running && !this.stopped) this.indexEnd(running, record);
    }
  }

  private indexEnd(running: Running, record: CommandRecord): void {
    this.index.add({
      n: running.n,
      command: record.command,
      ...(record.cwd === undefined ? {} : { cwd: record.cwd }),
      exitCode: record.exitCode ?? null,
      durationMs: record.durationMs ?? 0,
      startedAt: record.startedAt,
      time: running.time,
      byteOffset: running.byteOffset,
    });
  }

  /** Now, in seconds of `performance.now()` (events are timed against their file's start). */
  private now(): number {
    return performance.now() / 1000;
  }

  private line(time: number, code: CastEventCode, data: string | JsonBytes): CastLine {
    return eventLine(this.settings.format === 'v2' ? time : time - this.lastTime, code, data);
  }

  /**
   * Writes one event (at `time`, seconds of `performance.now()`) within the limits; returns its
   * byte offset, or -1 when nothing was written.
   */
  private event(time: number, code: CastEventCode, data: string | JsonBytes): number {
    if (this.stopped) return -1;
    const t = Math.max(time - this.startSec, this.lastTime);
    const line = this.line(t, code, data);
    const bytes = lineBytes(line);
    const verdict = this.check(bytes);
    if (verdict === 'ok') return this.put(t, line, bytes);
    // Over a limit (once per file at most): the cut is found on the text.
    let rest = typeof data === 'string' ? data : textOf(data.source);
    if (code === 'o' || code === 'i') {
      // Write what fits of a long chunk here; the rest goes to the next file, or is cut off.
      const text = rest;
      const cut = this.fittingPrefix(t, code, text);
      if (cut > 0) {
        const head = this.line(t, code, text.slice(0, cut));
        const headBytes = lineBytes(head);
        if (this.check(headBytes) === 'ok') this.put(t, head, headBytes);
        rest = text.slice(cut);
      }
    }
    if (verdict === 'file' && this.settings.rotate && this.part < 10_000) {
      this.rotate();
      return this.event(time, code, rest);
    }
    this.truncate(t);
    return -1;
  }

  /** `ok`, or which limit `bytes` more would cross: this file's size, or the directory's budget. */
  private check(bytes: number): 'ok' | 'file' | 'directory' {
    const { maxBytes } = this.settings;
    if (maxBytes !== undefined && this.file.size + bytes + RESERVE_BYTES > maxBytes) return 'file';
    return this.settings.directory.reserve(bytes) ? 'ok' : 'directory';
  }

  private put(time: number, line: CastLine, bytes: number): number {
    const at = this.file.append(line, bytes);
    if (at < 0) {
      // Reserved in check(), never written.
      this.settings.directory.adjust(-bytes);
      return -1;
    }
    this.accounted += bytes;
    this.lastTime = time;
    this.settings.counters.bytesWritten += bytes;
    return at;
  }

  /** How many characters of `data` fit in this file's remaining room (0 when none do). */
  private fittingPrefix(time: number, code: CastEventCode, data: string): number {
    const { maxBytes } = this.settings;
    if (maxBytes === undefined) return 0;
    return fittingPrefix(data, maxBytes - RESERVE_BYTES - this.file.size, (part) =>
      this.line(time, code, part),
    );
  }

  private truncate(time: number): void {
    const line = this.line(Math.max(time, this.lastTime), 'm', TRUNCATED_LABEL);
    const bytes = lineBytes(line);
    // Within the room every size-limited file keeps; the directory's budget is exceeded by it at most.
    this.settings.directory.adjust(bytes);
    this.put(Math.max(time, this.lastTime), line, bytes);
    this.settings.counters.truncated++;
    this.finish();
  }

  private openPart(): void {
    this.partClosed = false;
    const { basePath } = this.terminal;
    const name = (part: number): string => (part === 0 ? `${basePath}.cast` : `${basePath}.${part}.cast`);
    // A file of an earlier run (a tmux terminal adopted after a restart keeps its id) is kept.
    while (existsSync(name(this.part))) this.part++;
    const path = name(this.part);
    const { format } = this.settings;
    this.file = new CastFile(path, (error) => this.fail(error));
    this.index = new CommandIndex(path, format, this.terminal.terminalId, this.terminal.agentId, {
      // The index points into the file: what it points at is written first.
      beforeWrite: () => this.file.flush(),
      written: (delta) => this.settings.directory.adjust(delta),
      failed: (error) => this.fail(error),
    });
    this.startSec = this.now();
    this.lastTime = 0;
    this.count = 0;
    const header = headerLine(format, {
      cols: this.cols,
      rows: this.rows,
      timestamp: Math.floor(Date.now() / 1000),
      title: this.terminal.agentId,
      command: this.terminal.shell,
      shell: this.terminal.shell,
      term: this.settings.term,
    });
    const bytes = Buffer.byteLength(header) + 1;
    this.settings.directory.adjust(bytes);
    this.accounted = bytes;
    this.file.append(header, bytes);
    this.settings.counters.bytesWritten += bytes;
  }

  /** The file is full: it is finished and the recording continues in the next one. */
  private rotate(): void {
    this.closePart();
    // Closing can fail (the index could not be written): the recording has stopped then.
    if (this.stopped) return;
    this.part++;
    this.openPart();
    // The command in flight starts again in the new file, so each file stands alone.
    const running = this.running;
    this.running = undefined;
    if (running) this.marker({ type: 'start', record: running.record, offset: 0, time: 0 });
  }

  /** Finishes the current file and its index; once per file, even when closing fails midway. */
  private closePart(): void {
    if (this.partClosed) return;
    this.partClosed = true;
    this.index.close();
    const size = this.file.close();
    this.settings.directory.finish(this.file.path, size + this.index.bytes);
  }

  private finish(failed = false): void {
    if (this.stopped) return;
    this.stopped = true;
    this.closePart();
    this.settings.counters.active--;
    if (failed) this.settings.counters.failed++;
    else this.settings.counters.finished++;
  }

  private fail(error: Error): void {
    if (this.stopped) return;
    this.finish(true);
    // Bytes that never reached the disk no longer count against the directory.
    this.settings.directory.adjust(this.file.close() - this.accounted);
    this.settings.onError(error, this.file.path);
  }
}

/** `bytes` decoded as the terminal decodes its output (invalid sequences become U+FFFD). */
function textOf(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}
