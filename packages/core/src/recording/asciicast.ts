// The asciicast formats orchflow writes (https://docs.asciinema.org/manual/asciicast/v2/ and v3):
// one JSON header line, then one JSON array per event line. v2 events carry the time since the
// recording started; v3 events the interval since the previous event, and v3 ends with an `x`
// (exit) event. Pure functions: the file side lives in cast-file.ts.
import { type JsonBytes, jsonBytesLength } from './json-bytes';

/** asciicast version written: `v2` (default; what asciinema 2.x plays) or `v3`. */
export type CastFormat = 'v2' | 'v3';

/** Event codes: output, input, resize, marker, exit (v3 only). */
export type CastEventCode = 'o' | 'i' | 'r' | 'm' | 'x';

/** What a recording's header says about the terminal. */
export interface CastHeaderInfo {
  cols: number;
  rows: number;
  /** Unix time (seconds) the recording started. */
  timestamp: number;
  /** The agent id. */
  title: string;
  /** The terminal's shell (its path), if known. */
  command?: string;
  /** The shell, for the header's `env.SHELL`. */
  shell?: string;
  /** The terminal type, for `env.TERM` (v2) or `term.type` (v3). */
  term: string;
}

/** The header line (without its newline). Only `SHELL` and `TERM` of the environment are ever written. */
export function headerLine(format: CastFormat, info: CastHeaderInfo): string {
  const env: Record<string, string> = {};
  if (info.shell) env.SHELL = info.shell;
  if (format === 'v2') {
    env.TERM = info.term;
    return JSON.stringify({
      version: 2,
      width: info.cols,
      height: info.rows,
      timestamp: info.timestamp,
      title: info.title,
      ...(info.command ? { command: info.command } : {}),
      env,
    });
  }
  return JSON.stringify({
    version: 3,
    term: { cols: info.cols, rows: info.rows, type: info.term },
    timestamp: info.timestamp,
    title: info.title,
    ...(info.command ? { command: info.command } : {}),
    env,
  });
}

/** Seconds with microsecond precision, as asciinema writes them. */
export function seconds(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/**
 * `String(seconds(value))`, made without V8's number-to-string cache. A fraction such as 12.345678
 * printed by `String` or a template misses that cache and V8 (11, Node 20) allocates the new string
 * in the old generation, one per event line; every old-generation allocation may start a full
 * (mark-compact) collection, and with the heap near its limit a recorded terminal's output kept
 * one running nearly all the time (more full collections, more marking on V8's helper threads).
 * `toFixed` allocates in the young generation; below 1e9 s (≤ 15 significant digits) its digits
 * with the trailing zeros cut are exactly what `String` prints.
 */
export function secondsText(value: number): string {
  const rounded = seconds(value);
  // 0 (in the cache), and what never comes (negative, not finite, past 31 years), as before.
  if (!(rounded > 0 && rounded < 1e9)) return String(rounded);
  const fixed = rounded.toFixed(6);
  let end = fixed.length;
  while (fixed.charCodeAt(end - 1) === 0x30) end--;
  if (fixed.charCodeAt(end - 1) === 0x2e) end--;
  return end === fixed.length ? fixed : fixed.slice(0, end);
}

/**
 * One event line (without its newline). `time` is seconds since the recording started (v2), or
 * since the previous event (v3: the caller passes the interval). `data` is the text, or its JSON
 * string literal already made from bytes (json-bytes.ts).
 */
export function eventLine(time: number, code: CastEventCode, data: string | JsonBytes): CastLine {
  return [
    `[${secondsText(time)}, ${JSON.stringify(code)}, `,
    typeof data === 'string' ? JSON.stringify(data) : data,
    ']',
  ];
}

/**
 * One event line in pieces (head, JSON string, `]`), written into the file's buffer one after the
 * other, so a long output chunk is never copied into a joined string first.
 */
export type CastLine = readonly (string | JsonBytes)[];

/** The UTF-8 bytes of `line` plus its newline. */
export function lineBytes(line: CastLine | string): number {
  if (typeof line === 'string') return Buffer.byteLength(line) + 1;
  let bytes = 1;
  for (const part of line)
    bytes += typeof part === 'string' ? Buffer.byteLength(part) : jsonBytesLength(part);
  return bytes;
}

/** A marker's label at a command's start. */
export function startLabel(command: string): string {
  return `$ ${command}`;
}

/** A marker's label at a command's end: `exit <code> · <duration> · <cwd>`. */
export function endLabel(
  exitCode: number | null | undefined,
  durationMs: number,
  cwd: string | undefined,
): string {
  // null: a signal or the shell's end stopped it, without a status.
  const code = exitCode === null || exitCode === undefined ? 'null' : String(exitCode);
  const parts = [`exit ${code}`, formatDuration(durationMs)];
  if (cwd) parts.push(cwd);
  return parts.join(' · ');
}

/** `850ms`, `1.25s`, `2m03s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2).replace(/\.?0+$/, '')}s`;
  const minutes = Math.floor(ms / 60_000);
  const rest = Math.round((ms % 60_000) / 1000);
  return `${minutes}m${String(rest).padStart(2, '0')}s`;
}

/** The label of the marker that ends a recording cut at its size limit. */
export const TRUNCATED_LABEL = 'recording truncated at limit';

/** Longest command text a marker label carries (the index has the whole command). */
export const MAX_LABEL_CHARS = 1024;

/** `label`, shortened with `…` to {@link MAX_LABEL_CHARS}. */
export function clipLabel(label: string): string {
  if (label.length <= MAX_LABEL_CHARS) return label;
  let end = MAX_LABEL_CHARS - 1;
  // Never between the halves of a surrogate pair.
  const last = label.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${label.slice(0, end)}…`;
}

/**
 * How many characters of `data` fit, as the line `lineOf(prefix)` plus its newline, in `room`
 * bytes (0 when none do); never ends between the halves of a surrogate pair.
 */
export function fittingPrefix(data: string, room: number, lineOf: (prefix: string) => CastLine): number {
  const fits = (n: number): boolean => lineBytes(lineOf(data.slice(0, n))) <= room;
  let lo = 0;
  let hi = data.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  if (lo > 0 && lo < data.length && /[\uD800-\uDBFF]/.test(data.charAt(lo - 1))) lo--;
  return lo;
}
