// Reading /proc/<pid>/stat. The only parsing of procfs in this package: `comm` may contain spaces
// and parentheses, so fields are located from the LAST ')' rather than by splitting the line.
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
  // Fields after comm start at field 3 (state); rest[i] is field i + 3.
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  if (!Number.isInteger(pid) || rest.length < 22) return undefined;
  const num = (field: number): number => Number(rest[field - 3]);
  return {
    pid,
    ppid: num(4),
    pgid: num(5),
    sid: num(6),
    tpgid: num(8),
    state: rest[0] ?? '?',
    comm: text.slice(open + 1, close),
    utime: num(14),
    stime: num(15),
    startTime: num(22),
    rssPages: num(24),
  };
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
