// Options of the recording plugin (`RecordingPlugin`, `withRecording`, `OrchestratorOptions.recording`,
// `orchflow serve --record`), validated up front: a bad option is InvalidParams naming every bad
// field. (Checked by hand: zod is not a dependency of @orchflow/core.)
import { resolve } from 'node:path';
import { invalidParams } from '../errors';

/** Smallest `maxBytesPerRecording`: a header, a few events and the truncation marker must fit. */
export const MIN_RECORDING_BYTES = 4096;

/** Shortest `retentionMs`: one second. */
export const MIN_RETENTION_MS = 1000;

/** Where a recording that stopped on a write error was, and why. */
export interface RecordingError {
  terminalId: string;
  agentId: string;
  path: string;
  error: Error;
}

/** Options of the recording plugin. */
export interface RecordingOptions {
  /** Directory of the recordings: `<dir>/<agent id>/<terminal id>.cast`. Created if missing. */
  dir: string;
  /** asciicast version: `v2` (default) or `v3`. */
  format?: 'v2' | 'v3';
  /** Record input (`i` events) of every recorded terminal. Default false: input can hold secrets. */
  input?: boolean;
  /** Record every terminal, not only those whose spawn config asks. Default false. */
  all?: boolean;
  /** Largest size of one recording file, in bytes (at least {@link MIN_RECORDING_BYTES}). */
  maxBytesPerRecording?: number;
  /** Largest size of all recordings under `dir`, in bytes; the oldest finished ones are deleted first. */
  maxBytesPerDirectory?: number;
  /** Continue a full recording in `<id>.1.cast`, … (needs `maxBytesPerRecording`). Default false. */
  rotate?: boolean;
  /**
   * Delete finished recordings (with their index) last written more than this many ms ago (at
   * least {@link MIN_RETENTION_MS}): at start, then every tenth of the period (1 s to 1 h apart).
   * Default: kept until `maxBytesPerDirectory` needs their room.
   */
  retentionMs?: number;
  /** Terminal type the header names. Default `xterm-256color`. */
  term?: string;
  /** Hears each write error that stopped a recording (default: a process warning). */
  onError?: (failure: RecordingError) => void;
}

/** Validated options with defaults. */
export type ResolvedRecordingOptions = Omit<
  Required<RecordingOptions>,
  'maxBytesPerRecording' | 'maxBytesPerDirectory' | 'retentionMs'
> &
  Pick<RecordingOptions, 'maxBytesPerRecording' | 'maxBytesPerDirectory' | 'retentionMs'>;

const KNOWN = new Set([
  'dir',
  'format',
  'input',
  'all',
  'maxBytesPerRecording',
  'maxBytesPerDirectory',
  'rotate',
  'retentionMs',
  'term',
  'onError',
]);

/** The problems of `options`, one per bad field. */
function problems(o: Record<string, unknown>): string[] {
  const out: string[] = [];
  const bool = (key: string): void => {
    if (o[key] !== undefined && typeof o[key] !== 'boolean') out.push(`${key}: must be true or false`);
  };
  const size = (key: string): void => {
    const v = o[key];
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= MIN_RECORDING_BYTES)) {
      out.push(
        `${key}: must be an integer of at least ${MIN_RECORDING_BYTES} bytes, got ${JSON.stringify(v)}`,
      );
    }
  };
  for (const key of Object.keys(o)) if (!KNOWN.has(key)) out.push(`${key}: unknown option`);
  if (typeof o.dir !== 'string' || o.dir === '') out.push('dir: must name a directory');
  if (o.format !== undefined && o.format !== 'v2' && o.format !== 'v3') {
    out.push(`format: must be 'v2' or 'v3', got ${JSON.stringify(o.format)}`);
  }
  for (const key of ['input', 'all', 'rotate']) bool(key);
  size('maxBytesPerRecording');
  size('maxBytesPerDirectory');
  const retention = o.retentionMs;
  if (
    retention !== undefined &&
    !(Number.isSafeInteger(retention) && (retention as number) >= MIN_RETENTION_MS)
  ) {
    out.push(
      `retentionMs: must be an integer of at least ${MIN_RETENTION_MS} ms, got ${JSON.stringify(retention)}`,
    );
  }
  if (o.term !== undefined && !(typeof o.term === 'string' && /^[\x21-\x7e]{1,64}$/.test(o.term))) {
    out.push('term: must be a terminal type such as xterm-256color');
  }
  if (o.onError !== undefined && typeof o.onError !== 'function') out.push('onError: must be a function');
  if (o.rotate === true && o.maxBytesPerRecording === undefined) {
    out.push('rotate: needs maxBytesPerRecording (the size at which a recording continues in the next file)');
  }
  return out;
}

/** Validates `options` and applies defaults; throws InvalidParams naming every bad field. */
export function parseRecordingOptions(options: unknown): ResolvedRecordingOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidParams('Invalid recording options: pass an object such as { dir: "recordings" }');
  }
  const o = options as RecordingOptions & Record<string, unknown>;
  const issues = problems(o);
  if (issues.length > 0) throw invalidParams(`Invalid recording options — ${issues.join('; ')}`, { issues });
  return {
    dir: resolve(o.dir),
    format: o.format ?? 'v2',
    input: o.input ?? false,
    all: o.all ?? false,
    maxBytesPerRecording: o.maxBytesPerRecording,
    maxBytesPerDirectory: o.maxBytesPerDirectory,
    rotate: o.rotate ?? false,
    retentionMs: o.retentionMs,
    term: o.term ?? 'xterm-256color',
    onError: o.onError ?? warn,
  };
}

function warn({ terminalId, path, error }: RecordingError): void {
  process.emitWarning(
    `orchflow: recording of terminal ${terminalId} stopped (${path}): ${error.message}`,
    'OrchflowRecordingWarning',
  );
}
