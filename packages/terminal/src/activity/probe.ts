// The kernel's view of a terminal, for `Terminal.activity()`: which process group holds it (the
// tpgid in /proc/<shell>/stat against the shell's own group) and whether a process of that group
// waits for the terminal. No prompt is parsed: a program waiting for a line sits in read(2) on
// its tty whatever it printed — or, on an event loop (node's readline: `npm init`), in an epoll
// wait on a set that watches the tty for input, or (GNU readline: python's REPL, psql, gdb) in a
// select or poll without a timeout on such a set. Each probe reads a bounded number of processes
// and epoll entries, so a poll tick stays cheap however many processes a job forked.
// /proc files are read as 'utf8' (why: process/procfs.ts).
import { readFileSync, readlinkSync } from 'node:fs';
import { blockedWait } from '../process/blocked-wait';
import { readProcStat } from '../process/procfs';

/** Processes a probe examines at most (the foreground group's, found from the root down). */
export const MAX_PROBED_PROCESSES = 32;
// Entries of one epoll set looked at; a larger set is some server's, not a prompt's.
const MAX_EPOLL_ENTRIES = 64;
const EPOLLIN = 0x1;

/** What the kernel says about the terminal of one interactive shell. */
export interface ForegroundView {
  /** The terminal's foreground process group (the shell's own pid while it holds the terminal). */
  foregroundPgid: number;
  /** A process group other than the shell's holds the terminal: a job runs in front of it. */
  jobHolds: boolean;
  /** A process of the foreground group (the shell itself when it holds it) is blocked reading the terminal. */
  readingTerminal: boolean;
  /** That process, when one is reading. */
  readerPid?: number;
}

// The master side of a pseudo-terminal, as /proc/<pid>/fd links name it.
const PTY_MASTER = /^\/dev\/(pts\/)?ptmx$/;

const isTerminal = (target: string | undefined): boolean =>
  target !== undefined && /^\/dev\/(pts\/|tty|console)/.test(target);

/** Probes the terminal of `shellPid`; undefined when the shell is gone or has no controlling terminal. */
export function probeTerminal(shellPid: number): ForegroundView | undefined {
  const shell = readProcStat(shellPid);
  if (!shell || shell.tpgid <= 0) return undefined;
  const foregroundPgid = shell.tpgid;
  if (foregroundPgid === shell.pgid) {
    const reading = waitsForTerminal(shellPid);
    return reading
      ? { foregroundPgid, jobHolds: false, readingTerminal: true, readerPid: shellPid }
      : { foregroundPgid, jobHolds: false, readingTerminal: false };
  }
  // The group's leader usually reads (a lone command); in a pipeline any member may.
  const readerPid = someDescendant(shellPid, (pid) => {
    return readProcStat(pid)?.pgid === foregroundPgid && waitsForTerminal(pid);
  });
  return readerPid === undefined
    ? { foregroundPgid, jobHolds: true, readingTerminal: false }
    : { foregroundPgid, jobHolds: true, readingTerminal: true, readerPid };
}

/**
 * How much process `pid` has read so far: `rchar` of /proc/<pid>/io, or where that is not readable
 * (another user's process, e.g. in a sandbox) its voluntary context switches, which also move once
 * it has taken its input and blocked again. Undefined when the process is gone.
 */
export function readProgress(pid: number): number | undefined {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const rchar = /^rchar:\s*(\d+)/m.exec(io)?.[1];
    if (rchar !== undefined) return Number(rchar);
  } catch {
    // Not ours to read: fall back to the scheduler's count, which anyone may read.
  }
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const switches = /^voluntary_ctxt_switches:\s*(\d+)/m.exec(status)?.[1];
    return switches === undefined ? undefined : Number(switches);
  } catch {
    return undefined;
  }
}

/**
 * The process of the tree under `rootPid` (root included) that is blocked reading the pipe (or
 * socket) that is `rootPid`'s stdin — a scripted-mode command waiting for `write()` — if any.
 */
export function readingOwnStdin(rootPid: number): number | undefined {
  let stdin: string;
  try {
    stdin = readlinkSync(`/proc/${rootPid}/fd/0`);
  } catch {
    return undefined;
  }
  // Node gives a child's stdio as a socketpair, not a pipe; either is the runner's own.
  if (!stdin.startsWith('pipe:') && !stdin.startsWith('socket:')) return undefined;
  return someDescendant(
    rootPid,
    (pid) => {
      const wait = blockedWait(pid);
      return wait?.kind === 'read' && wait.target === stdin;
    },
    true,
  );
}

/**
 * Whether `pid` waits for input from a terminal: blocked in read(2) on one, or in an epoll wait
 * whose set watches a terminal for input and no socket — an event loop waiting for a line, not a
 * server that also listens for keys (a dev server's "press r to restart" is running, not a prompt).
 */
function waitsForTerminal(pid: number): boolean {
  const wait = blockedWait(pid);
  if (wait?.kind === 'read') return isTerminal(wait.target);
  // A poll or select without a timeout (readline's wait) watches its fds for input only.
  if (wait?.kind === 'poll')
    return watchesTerminal(
      pid,
      wait.fds.map((fd) => ({ fd, input: true })),
    );
  return wait?.kind === 'epoll' && epollWatchesTerminal(pid, wait.epfd);
}

function epollWatchesTerminal(pid: number, epfd: number): boolean {
  let info: string;
  try {
    info = readFileSync(`/proc/${pid}/fdinfo/${epfd}`, 'utf8');
  } catch {
    return false;
  }
  // One line per watched fd: "tfd:        7 events:       19 data: …" (events in hex).
  const entries = [...info.matchAll(/^tfd:\s*(\d+)\s+events:\s*([0-9a-f]+)/gm)];
  if (entries.length > MAX_EPOLL_ENTRIES) return false;
  return watchesTerminal(
    pid,
    entries.map(([, fd, events]) => ({
      fd: Number(fd),
      input: (Number.parseInt(events ?? '0', 16) & EPOLLIN) !== 0,
    })),
  );
}

/**
 * True when `pid` watches a terminal for input among `watched`, and no socket and no terminal's
 * master side at all: a program that relays another terminal (`script`, `asciinema rec`,
 * `unbuffer`, expect) waits on the same set while the program it runs works.
 */
function watchesTerminal(pid: number, watched: readonly { fd: number; input: boolean }[]): boolean {
  let terminal = false;
  for (const { fd, input } of watched) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    if (target.startsWith('socket:') || PTY_MASTER.test(target)) return false;
    if (input && isTerminal(target)) terminal = true;
  }
  return terminal;
}

/**
 * Breadth-first over `rootPid`'s descendants (from /proc/<pid>/task/<pid>/children), at most
 * {@link MAX_PROBED_PROCESSES} of them; the first for which `test` holds, if any. The root is
 * tested only when `includeRoot`.
 */
function someDescendant(
  rootPid: number,
  test: (pid: number) => boolean,
  includeRoot = false,
): number | undefined {
  const queue = [rootPid];
  for (let i = 0; i < queue.length && i <= MAX_PROBED_PROCESSES; i++) {
    const pid = queue[i] as number;
    if ((i > 0 || includeRoot) && test(pid)) return pid;
    for (const child of childrenOf(pid)) if (queue.length <= MAX_PROBED_PROCESSES) queue.push(child);
  }
  return undefined;
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter((s) => s !== '')
      .map(Number);
  } catch {
    return [];
  }
}
