// The values of `orchflow serve`'s recording-limit and metrics-access flags, checked before
// anything starts: a bad size, duration or mode — or a flag without the one it qualifies — is a
// usage error (one line saying what is wrong, exit status 2), as for `orchflow replay`/`record`.
import { MIN_RECORDING_BYTES, MIN_RETENTION_MS, type RecordingOptions } from '@orchflow/core';
import { durationMs } from './duration';
import { usageError } from './recording-args';

/** The flags this module reads (a part of `ServeFlags`, which extends it). */
export interface ServeUsageFlags {
  /** `--record DIR`: record every terminal as an asciicast file under DIR. */
  record?: string;
  /** `--record-format v2|v3` (default v2). */
  recordFormat?: string;
  /** `--record-input`: record keystrokes too. */
  recordInput?: boolean;
  /** `--record-max-bytes SIZE`: largest size of one recording (`10MB`, `1GiB`, bytes). */
  recordMaxBytes?: string;
  /** `--record-dir-max-bytes SIZE`: largest size of all recordings under DIR. */
  recordDirMaxBytes?: string;
  /** `--record-rotate`: a full recording continues in the next file. */
  recordRotate?: boolean;
  /** `--record-retention DURATION`: finished recordings older than this are deleted (`7d`). */
  recordRetention?: string;
  /** Serve the Prometheus scrape at `/metrics` on the --http listener. */
  metrics?: boolean;
  /** `--metrics-auth token|loopback`: whether loopback peers scrape /metrics without a token. */
  metricsAuth?: string;
  /** `--metrics-token`: a bearer token that may scrape /metrics (besides admin tokens). */
  metricsToken?: string;
  /** `--token`: the one token clients must present. */
  token?: string;
  /** `--tokens FILE`: tokens with a principal (and policy) each. */
  tokens?: string;
}

/** Who may scrape `/metrics`: a bearer token always, or loopback peers without one too. */
export type MetricsAuth = 'token' | 'loopback';

/** The recording limits `--record-*` set. */
export type RecordingLimits = Pick<
  RecordingOptions,
  'maxBytesPerRecording' | 'maxBytesPerDirectory' | 'rotate' | 'retentionMs'
>;

/** What the flags ask for, validated. */
export interface ServeUsage {
  /** The limits of `--record` (empty without limit flags; undefined without `--record`). */
  recording?: RecordingLimits;
  /** `--metrics-auth`, or its default: `token` when `--token`/`--tokens` configure tokens. */
  metricsAuth: MetricsAuth;
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/**
 * A size flag's value in bytes: a number of bytes, or with a unit (`10MB` = 10,000,000 bytes,
 * `1GiB` = 2^30; B, KB, MB, GB, TB, KiB, MiB, GiB, TiB, any case), at least `min`.
 */
export function parseByteSize(flag: string, value: string, min = MIN_RECORDING_BYTES): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)?$/i.exec(value.trim());
  const unit = match?.[2]?.toLowerCase() ?? 'b';
  const factor = SIZE_UNITS[unit];
  const bytes = match && factor !== undefined ? Math.floor(Number(match[1]) * factor) : Number.NaN;
  if (!Number.isSafeInteger(bytes)) {
    throw usageError(`${flag} must be a size such as 1048576, 500KB, 10MB or 1GiB, not '${value}'`);
  }
  if (bytes < min) throw usageError(`${flag} must be at least ${min} bytes, not '${value}' (${bytes} bytes)`);
  return bytes;
}

/** `--record-retention`'s value in ms: a whole number with a unit (`90s`, `30m`, `12h`, `7d`, `2w`), at least 1 s. */
export function parseRetention(value: string): number {
  const ms = durationMs(value, false);
  if (!Number.isSafeInteger(ms) || ms < MIN_RETENTION_MS) {
    throw usageError(
      `--record-retention must be a period such as 7d, 12h, 30m, 2w or 90s (at least 1s), not '${value}'`,
    );
  }
  return ms;
}

/** Validates the flags; throws a usage error (InvalidParams) saying what is wrong. */
export function serveUsage(flags: ServeUsageFlags): ServeUsage {
  return { recording: recordingLimits(flags), metricsAuth: metricsAuth(flags) };
}

function recordingLimits(flags: ServeUsageFlags): RecordingLimits | undefined {
  const qualifiers = [
    ['--record-format', flags.recordFormat !== undefined],
    ['--record-input', flags.recordInput === true],
    ['--record-max-bytes', flags.recordMaxBytes !== undefined],
    ['--record-dir-max-bytes', flags.recordDirMaxBytes !== undefined],
    ['--record-rotate', flags.recordRotate === true],
    ['--record-retention', flags.recordRetention !== undefined],
  ] as const;
  if (flags.record === undefined) {
    const given = qualifiers.filter(([, set]) => set).map(([name]) => name);
    if (given.length === 0) return undefined;
    throw usageError(
      `--record-format and --record-input set how --record DIR records, and --record-max-bytes, --record-dir-max-bytes, --record-rotate and --record-retention limit it: pass --record DIR too (got ${given.join(', ')})`,
    );
  }
  if (flags.recordFormat !== undefined && flags.recordFormat !== 'v2' && flags.recordFormat !== 'v3') {
    throw usageError(`--record-format must be v2 or v3, not '${flags.recordFormat}'`);
  }
  const limits: RecordingLimits = {};
  if (flags.recordMaxBytes !== undefined) {
    limits.maxBytesPerRecording = parseByteSize('--record-max-bytes', flags.recordMaxBytes);
  }
  if (flags.recordDirMaxBytes !== undefined) {
    limits.maxBytesPerDirectory = parseByteSize('--record-dir-max-bytes', flags.recordDirMaxBytes);
  }
  const { maxBytesPerRecording: each, maxBytesPerDirectory: all } = limits;
  if (each !== undefined && all !== undefined && all < each) {
    // The directory would fill before the first recording reached its own limit.
    throw usageError(
      `--record-dir-max-bytes (${flags.recordDirMaxBytes}) is smaller than --record-max-bytes (${flags.recordMaxBytes}): one recording could never reach its limit; raise the directory's`,
    );
  }
  if (flags.recordRotate) {
    if (limits.maxBytesPerRecording === undefined) {
      throw usageError(
        '--record-rotate continues a full recording in the next file: pass --record-max-bytes SIZE too',
      );
    }
    limits.rotate = true;
  }
  if (flags.recordRetention !== undefined) limits.retentionMs = parseRetention(flags.recordRetention);
  return limits;
}

function metricsAuth(flags: ServeUsageFlags): MetricsAuth {
  // Checked here, before a gateway connects to NATS or a server builds its orchestrator.
  if (flags.metricsToken !== undefined && flags.metricsToken.length < 16) {
    throw usageError('--metrics-token must be at least 16 characters long');
  }
  if (flags.metricsAuth === undefined) {
    // Tokens someone configured mean the server is meant to be locked: loopback is not enough.
    return flags.token !== undefined || flags.tokens !== undefined ? 'token' : 'loopback';
  }
  if (!flags.metrics) throw usageError('--metrics-auth says who may scrape /metrics: pass --metrics too');
  if (flags.metricsAuth !== 'token' && flags.metricsAuth !== 'loopback') {
    throw usageError(`--metrics-auth must be token or loopback, not '${flags.metricsAuth}'`);
  }
  return flags.metricsAuth;
}
