// Reading /proc/<pid>/stat. The only parsing of procfs in this package: `comm` may contain spaces
// and parentheses, so fields are located from the LAST ')' rather than by splitting the line.
// Every /proc file in this package is read as 'utf8', which Node (20.5 and later) decodes without a
// Buffer; other encodings allocate a 64 KiB one per read (a /proc file reports size 0), kept until
// a collection.
import { readdirSync, readFileSync } from 'node:fs';

/** One process as seen in /proc/<pid>/stat. */
export interface ProcInfo {
  pid: number;
  ppid: number;
  /** Process group id. */
  pgid: number;
  /** Session id. */
  sid: number;
  /** Foreground process group of the controlling terminal; -1 when there is none. */
  tpgid: number;
  /** State letter: R, S, D, T, Z, X, … */
  state: string;
  /** Executable name (as the kernel truncates it, at most 15 characters). */
  comm: string;
  /** User-mode CPU time, in clock ticks. */
  utime: number;
  /** Kernel-mode CPU time, in clock ticks. */
  stime: number;
  /** Start time after boot, in clock ticks; with `pid`, identifies a process across pid reuse. */
  startTime: number;
  /** Resident set size, in pages. */
  rssPages: number;
}

/** Parses the text of /proc/<pid>/stat; `undefined` when it is malformed. */
export function parseProcStat(text: string): ProcInfo | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  if (!Number.isInteger(pid)) return undefined;
  // One pass over the fields after comm (field 3 is the state), reading only the numbers wanted:
  // splitting the line made ~50 strings per read, and killing a tree reads every process.
  const info: ProcInfo = {
    pid,
    ppid: 0,
    pgid: 0,
    sid: 0,
    tpgid: 0,
    state: '?',
    comm: text.slice(open + 1, close),
    utime: 0,
    stime: 0,
    startTime: 0,
    rssPages: 0,
  };
  let field = 2;
  let at = close + 1;
  while (field < LAST_FIELD) {
    while (at < text.length && isBlank(text.charCodeAt(at))) at++;
    if (at >= text.length) return undefined;
    const from = at;
    while (at < text.length && !isBlank(text.charCodeAt(at))) at++;
    field++;
    if (field === 3) info.state = text.slice(from, at);
    const key = FIELD_KEYS[field];
    if (key !== undefined) info[key] = integerAt(text, from, at);
  }
  return info;
}

/** The numeric fields of /proc/<pid>/stat kept in {@link ProcInfo}, by field number. */
const FIELD_KEYS: Partial<
  Record<number, 'ppid' | 'pgid' | 'sid' | 'tpgid' | 'utime' | 'stime' | 'startTime' | 'rssPages'>
> = {
  4: 'ppid',
  5: 'pgid',
  6: 'sid',
  8: 'tpgid',
  14: 'utime',
  15: 'stime',
  22: 'startTime',
  24: 'rssPages',
};
const LAST_FIELD = 24;

function isBlank(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x09;
}

/** The decimal integer (optionally negative) in text[from, to); NaN for anything else. */
function integerAt(text: string, from: number, to: number): number {
  const negative = text.charCodeAt(from) === 0x2d;
  let value = 0;
  let at = negative ? from + 1 : from;
  if (at >= to) return Number.NaN;
  for (; at < to; at++) {
    const digit = text.charCodeAt(at) - 0x30;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

/** Reads one process; `undefined` when it does not exist (any more). */
export function readProcStat(pid: number): ProcInfo | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Every process currently visible in /proc (processes that vanish mid-scan are skipped). */
export function listAllProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    const code = name.charCodeAt(0);
    if (code < 48 || code > 57) continue;
    const info = readProcStat(Number(name));
    if (info) out.push(info);
  }
  return out;
}

/** True for a process that has exited but not been reaped (Z) or is being torn down (X). */
export function isDead(info: ProcInfo): boolean {
  return info.state === 'Z' || info.state === 'X' || info.state === 'x';
}
