// Reads asciicast v2 and v3 recordings as a stream of events, one line at a time, whatever the
// file's size. A last line cut short by a writer that died mid-write is reported, not fatal (the
// file up to it is still a valid recording); anything else malformed fails with InvalidParams
// naming the line and what is wrong. Specs: docs.asciinema.org/manual/asciicast/v2 and /v3.
import { invalidParams } from '../errors';
import { type CastLine, castLines } from './reader-lines';

/** The asciicast format versions orchflow reads. */
export type AsciicastVersion = 2 | 3;

/** A recording's header (first line), normalised across v2 and v3. */
export interface RecordingHeader {
  version: AsciicastVersion;
  /** Initial terminal size. */
  cols: number;
  rows: number;
  /** Unix time (seconds) the recording started, when the header says. */
  timestamp?: number;
  title?: string;
  command?: string;
  /** The player should cap idle gaps at this many seconds, when set. */
  idleTimeLimit?: number;
  env?: Record<string, string>;
  /** The header object as written. */
  raw: Record<string, unknown>;
}

/** One event: `o` output, `i` input, `m` marker, `r` resize, `x` exit (v3); others are kept as-is. */
export interface RecordingEvent {
  /** Seconds since the recording started (v3 intervals are summed). */
  time: number;
  code: string;
  data: string;
  /** 1-based line number in the file; undefined when reading started at a byte offset. */
  line?: number;
  /** File byte offset of the event's line. */
  byteOffset: number;
}

/** The last line of a file, cut short (no newline, not parseable): ignored and reported. */
export interface TruncatedLine {
  line?: number;
  byteOffset: number;
  bytes: number;
}

/** Options of {@link openRecording}. */
export interface OpenRecordingOptions {
  /** Start reading events at this byte offset (the start of a line, e.g. from the sidecar index). */
  fromByte?: number;
  /** Absolute time of the event at `fromByte`; needed for v3, whose events carry intervals. */
  timeAtFromByte?: number;
  /** A longer line fails as invalid (bounds memory). Default {@link DEFAULT_MAX_LINE_BYTES}. */
  maxLineBytes?: number;
}

/** An open recording: its header, and its events read on demand (once). */
export interface RecordingStream {
  path: string;
  header: RecordingHeader;
  /** File byte offset of the first event line (just after the header). */
  eventsOffset: number;
  /** The events in file order; iterate once. */
  events(): AsyncGenerator<RecordingEvent>;
  /** Set once `events()` has reached a truncated last line. */
  readonly truncated: TruncatedLine | undefined;
}

/** Default bound on one line (16 MiB): far above any output batch, still bounded memory. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function where(path: string, line: number | undefined, offset: number): string {
  return line === undefined ? `${path}: the line at byte ${offset}` : `${path}: line ${line}`;
}

function invalidLine(path: string, line: number | undefined, offset: number, reason: string) {
  return invalidParams(`${where(path, line, offset)} ${reason}`, { path, line, byteOffset: offset, reason });
}

/** JSON.parse of a line's bytes as strict UTF-8, or what is wrong with them. */
function parseLine(bytes: Buffer): { value: unknown } | { error: string } {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { error: 'is not valid UTF-8' };
  }
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return { error: 'is not valid JSON' };
  }
}

const isInt = (v: unknown, min: number): v is number => Number.isInteger(v) && (v as number) >= min;

function stringMap(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Validates and normalises a parsed header; the reason it is not one otherwise. */
function toHeader(raw: unknown): RecordingHeader | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return 'is not a JSON object (asciicast header)';
  const h = raw as Record<string, unknown>;
  let cols: unknown;
  let rows: unknown;
  if (h.version === 2) {
    cols = h.width;
    rows = h.height;
  } else if (h.version === 3) {
    const term = h.term as Record<string, unknown> | undefined;
    cols = term?.cols;
    rows = term?.rows;
  } else {
    return h.version === undefined
      ? 'has no "version": not an asciicast header'
      : `has version ${JSON.stringify(h.version)}; only asciicast v2 and v3 are supported`;
  }
  const [w, hh] = h.version === 2 ? ['width', 'height'] : ['term.cols', 'term.rows'];
  if (!isInt(cols, 1)) return `has no valid "${w}" (a positive integer)`;
  if (!isInt(rows, 1)) return `has no valid "${hh}" (a positive integer)`;
  const header: RecordingHeader = { version: h.version, cols, rows, raw: h };
  if (typeof h.timestamp === 'number') header.timestamp = h.timestamp;
  if (typeof h.title === 'string') header.title = h.title;
  if (typeof h.command === 'string') header.command = h.command;
  if (typeof h.idle_time_limit === 'number' && h.idle_time_limit > 0)
    header.idleTimeLimit = h.idle_time_limit;
  const env = stringMap(h.env);
  if (env) header.env = env;
  return header;
}

/** Validates one event array; the reason it is not one otherwise. */
function eventProblem(value: unknown): string | undefined {
  if (!Array.isArray(value) || value.length !== 3) return 'is not an event (a [time, code, data] array)';
  const [time, code, data] = value as unknown[];
  if (typeof time !== 'number' || !Number.isFinite(time) || time < 0)
    return 'has no valid time (a number ≥ 0)';
  if (typeof code !== 'string' || code.length === 0) return 'has no event code (a non-empty string)';
  if (typeof data !== 'string') return 'has non-string event data';
  if (code === 'r' && !/^\d+x\d+$/.test(data))
    return `has a resize event with data '${data}' (want COLSxROWS)`;
  return undefined;
}

/**
 * Opens an asciicast v2 or v3 file: reads and validates its header now (a file that is not one
 * fails here, with InvalidParams), and streams its events on demand.
 */
export async function openRecording(
  path: string,
  options: OpenRecordingOptions = {},
): Promise<RecordingStream> {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  if (!isInt(maxLineBytes, 1))
    throw invalidParams('maxLineBytes must be a positive integer', { maxLineBytes });
  if (options.fromByte !== undefined && !isInt(options.fromByte, 0)) {
    throw invalidParams('fromByte must be a whole number ≥ 0', { fromByte: options.fromByte });
  }
  const lines = castLines(path, 0, maxLineBytes);
  let first: IteratorResult<CastLine>;
  try {
    first = await lines.next();
  } finally {
    await lines.return(undefined);
  }
  if (first.done) throw invalidParams(`${path} is empty; not an asciicast file`, { path, reason: 'empty' });
  const parsed = parseLine(first.value.bytes);
  const header = 'error' in parsed ? `${parsed.error}: not an asciicast file` : toHeader(parsed.value);
  if (typeof header === 'string') throw invalidLine(path, 1, 0, `(header) ${header}`);
  const version = header.version;
  const eventsOffset = first.value.bytes.length + 1;
  const fromByte = Math.max(options.fromByte ?? eventsOffset, eventsOffset);
  const seeking = fromByte > eventsOffset;
  let truncated: TruncatedLine | undefined;

  async function* events(): AsyncGenerator<RecordingEvent> {
    // Line numbers are known only when reading from the top.
    let line: number | undefined = seeking ? undefined : 1;
    let clock = seeking ? (options.timeAtFromByte ?? 0) : 0;
    let firstEvent = true;
    for await (const { bytes, offset, complete } of castLines(path, fromByte, maxLineBytes)) {
      if (line !== undefined) line++;
      if (bytes.length === 0) continue;
      if (version === 3 && bytes[0] === 0x23 /* # comment */) continue;
      const result = parseLine(bytes);
      const problem = 'error' in result ? result.error : eventProblem(result.value);
      if (problem !== undefined) {
        if (!complete) {
          truncated = { line, byteOffset: offset, bytes: bytes.length };
          return;
        }
        throw invalidLine(path, line, offset, problem);
      }
      const [time, code, data] = (result as { value: [number, string, string] }).value;
      if (version === 2) clock = time;
      // v3: intervals; the event at a seek target already has its absolute time.
      else if (!(firstEvent && seeking)) clock += time;
      firstEvent = false;
      yield { time: clock, code, data, line, byteOffset: offset };
    }
  }

  return {
    path,
    header,
    eventsOffset,
    events,
    get truncated() {
      return truncated;
    },
  };
}
