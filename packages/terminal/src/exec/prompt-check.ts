// What the kernel says about a shell that printed its "done" marker. A marker carries the
// terminal's key, which no program the shell starts can read, but the shell itself can be made to
// print one (a command that calls the hooks): a marker is believed only once the shell holds the
// terminal — the terminal's foreground process group is the shell's own — and sits blocked
// reading its input, as it does at its prompt. The cwd is read from /proc, never taken from what
// was printed.
// /proc files are read as 'utf8' (why: process/procfs.ts).
import { Buffer } from 'node:buffer';
import { closeSync, openSync, readFileSync, readlinkSync, readSync } from 'node:fs';
import { readProcStat } from '../process/procfs';

/**
 * `idle`: the shell holds the terminal and waits for input (at its prompt); `busy`: it holds the
 * terminal but runs, or waits for something else (a child it is about to give the terminal to) —
 * ask again; `job`: another process group holds the terminal, so a command is still running;
 * `unknown`: no process, or no controlling terminal to judge by.
 */
export type ShellState = 'idle' | 'busy' | 'job' | 'unknown';

// System calls a shell blocks in while it waits for a line: read(2) on the terminal (zsh, dash,
// bash's `read`) — only on the terminal: zsh's parent also blocks in read(2), on a pipe, until
// the child it forked has taken the terminal — and the select family readline waits in. Numbers
// per architecture.
// The epoll waits are for programs on an event loop (node, libuv) that wait for the terminal
// among other things (see blockedWait).
interface Syscalls {
  read: number;
  waits: ReadonlySet<number>;
  epoll: ReadonlySet<number>;
  /** poll(2) and ppoll(2); select(2) and pselect6(2) (see pollWait). */
  poll?: number;
  ppoll: number;
  select?: number;
  pselect6: number;
}
const SYSCALLS: Partial<Record<NodeJS.Architecture, Syscalls>> = {
  // read, poll, select, pselect6, ppoll; epoll_wait, epoll_pwait, epoll_pwait2
  x64: {
    read: 0,
    waits: new Set([0, 7, 23, 270, 271]),
    epoll: new Set([232, 281, 441]),
    poll: 7,
    ppoll: 271,
    select: 23,
    pselect6: 270,
  },
  // read, pselect6, ppoll; epoll_pwait, epoll_pwait2
  arm64: { read: 63, waits: new Set([63, 72, 73]), epoll: new Set([22, 441]), ppoll: 73, pselect6: 72 },
};

/** The fds of a poll or select set looked at, at most: a larger set is some server's, not a prompt's. */
const MAX_POLLED_FDS = 64;

/** Reads `/proc/<pid>/stat` (and `syscall`) of the shell and classifies it (see {@link ShellState}). */
export function shellState(pid: number): ShellState {
  const info = readProcStat(pid);
  if (!info || info.tpgid <= 0) return 'unknown';
  if (info.tpgid !== info.pgid) return 'job';
  const calls = SYSCALLS[process.arch];
  const call = calls ? currentSyscall(pid) : undefined;
  // Where the system call cannot be read (another architecture, or no ptrace access to the
  // shell), the process state is all there is to go by.
  if (call === undefined || !calls) return info.state === 'R' ? 'busy' : 'idle';
  if (call === 'running' || !calls.waits.has(call.nr)) return 'busy';
  return call.nr !== calls.read || isTerminal(pid, call.fd) ? 'idle' : 'busy';
}

/** A blocked system call as /proc tells it: its number, its six arguments, and the line itself. */
interface Syscall {
  nr: number;
  /** The first argument as a number (the fd of a read). */
  fd: number;
  /** The arguments as the registers hold them (a C library may sign-extend an int: `-1` is 2^64 - 1). */
  args: bigint[];
  text: string;
}

function currentSyscall(pid: number): 'running' | Syscall | undefined {
  try {
    // "<nr> <arg1 hex> … <arg6 hex> <sp> <pc>", or "running" for a task on (or waiting for) a CPU.
    const text = readFileSync(`/proc/${pid}/syscall`, 'utf8');
    if (text.startsWith('running')) return 'running';
    const [nr, ...rest] = text.trim().split(' ');
    const args = rest.slice(0, 6).map((arg) => (/^0x[0-9a-f]+$/.test(arg) ? BigInt(arg) : -1n));
    const first = args[0] ?? -1n;
    const fd = first >= 0n && first < 2n ** 31n ? Number(first) : Number.NaN;
    const call = { nr: Number.parseInt(nr ?? '', 10), fd, args, text };
    return Number.isInteger(call.nr) ? call : undefined;
  } catch {
    return undefined;
  }
}

function isTerminal(pid: number, fd: number): boolean {
  try {
    return /^\/dev\/(pts\/|tty|console)/.test(readlinkSync(`/proc/${pid}/fd/${fd}`));
  } catch {
    return false;
  }
}

/**
 * Whether `pid` is blocked in read(2) on a terminal (the `read -s` of the key request, which has
 * switched echo off by then); undefined when the kernel does not say (another architecture, no
 * ptrace access, no such process).
 */
export function readingTerminal(pid: number): boolean | undefined {
  const calls = SYSCALLS[process.arch];
  const call = calls ? currentSyscall(pid) : undefined;
  if (!calls || call === undefined) return undefined;
  return call !== 'running' && call.nr === calls.read && isTerminal(pid, call.fd);
}

/** What a process is blocked in, as {@link blockedWait} tells it. */
export type BlockedWait =
  | { kind: 'read'; target: string }
  | { kind: 'epoll'; epfd: number }
  | { kind: 'poll'; fds: number[] };

/**
 * What `pid` is blocked in: read(2), with the target of the fd it reads (`/dev/pts/3`,
 * `pipe:[1234]`); an epoll wait, with the epoll fd; or a poll or select without a timeout, with
 * the fds it waits to read (readline's wait: python's REPL, psql, gdb, bc); undefined for anything
 * else, or when the kernel does not say.
 */
export function blockedWait(pid: number): BlockedWait | undefined {
  const calls = SYSCALLS[process.arch];
  const call = calls ? currentSyscall(pid) : undefined;
  if (!calls || call === undefined || call === 'running') return undefined;
  if (calls.epoll.has(call.nr)) return { kind: 'epoll', epfd: call.fd };
  if (call.nr !== calls.read) {
    const wait = pollWait(pid, calls, call);
    // The memory was read after the system call was: only if the process still sits in the same
    // call were its fd sets the ones it waits on.
    return wait && syscallText(pid) === call.text ? wait : undefined;
  }
  try {
    return { kind: 'read', target: readlinkSync(`/proc/${pid}/fd/${call.fd}`) };
  } catch {
    return undefined;
  }
}

/**
 * A poll or select that waits without a timeout, with the fds it waits to read (from the
 * process's memory: the pollfd array or the read fd_set its arguments point to). One with a
 * timeout is a program that also works on a clock (top's refresh, an editor's autosave): not a
 * wait for input.
 */
function pollWait(pid: number, calls: Syscalls, call: Syscall): BlockedWait | undefined {
  const { nr } = call;
  const [p1 = 0n, p2 = 0n, p3 = 0n, , p5 = 0n] = call.args;
  // Counts and addresses; user-space addresses are below 2^47, exact as numbers.
  const a1 = p1 < 2n ** 53n ? Number(p1) : -1;
  const a2 = p2 < 2n ** 53n ? Number(p2) : -1;
  if (nr === calls.poll || nr === calls.ppoll) {
    // poll(fds, nfds, timeout ms: negative waits forever, as an int whatever the register's upper
    // half holds); ppoll(fds, nfds, timespec or NULL, …).
    const forever = nr === calls.poll ? BigInt.asIntN(32, p3) < 0n : p3 === 0n;
    if (!forever || a1 < 0 || a2 < 1 || a2 > MAX_POLLED_FDS) return undefined;
    const memory = readMemory(pid, a1, a2 * 8);
    if (!memory) return undefined;
    const fds: number[] = [];
    // struct pollfd { int fd; short events; short revents; }: POLLIN is 0x1.
    for (let at = 0; at < memory.length; at += 8) {
      if (memory.readInt16LE(at + 4) & 0x1) fds.push(memory.readInt32LE(at));
    }
    return { kind: 'poll', fds };
  }
  if (nr === calls.select || nr === calls.pselect6) {
    // select(nfds, readfds, writefds, exceptfds, timeout or NULL); pselect6 likewise.
    if (p5 !== 0n || a2 <= 0 || a1 < 1 || a1 > 1024) return undefined;
    const memory = readMemory(pid, a2, Math.ceil(a1 / 8));
    if (!memory) return undefined;
    const fds: number[] = [];
    for (let fd = 0; fd < a1 && fds.length <= MAX_POLLED_FDS; fd++) {
      if ((memory[fd >> 3] ?? 0) & (1 << (fd & 7))) fds.push(fd);
    }
    return fds.length > MAX_POLLED_FDS ? undefined : { kind: 'poll', fds };
  }
  return undefined;
}

/** /proc/<pid>/syscall as it reads now. */
function syscallText(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/syscall`, 'utf8');
  } catch {
    return undefined;
  }
}

/** `length` bytes of `pid`'s memory at `address` (needs the access /proc/<pid>/syscall needs too). */
function readMemory(pid: number, address: number, length: number): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(`/proc/${pid}/mem`, 'r');
    const buffer = Buffer.alloc(length);
    return readSync(fd, buffer, 0, length, address) === length ? buffer : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The shell's working directory from the kernel; undefined when unreadable or deleted. */
export function shellCwd(pid: number): string | undefined {
  try {
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    return cwd.endsWith(' (deleted)') ? undefined : cwd;
  } catch {
    return undefined;
  }
}
