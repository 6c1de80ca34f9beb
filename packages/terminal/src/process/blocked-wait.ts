// What a process is blocked in, from /proc/<pid>/syscall: read(2) on some fd, an epoll wait, or
// a poll or select without a timeout with the fds it waits to read (read from the process's
// memory). The prompt check (exec/prompt-check.ts) asks it about the shell, the activity probe
// about whatever holds the terminal.
// /proc files are read as 'utf8' (why: procfs.ts).
import { Buffer } from 'node:buffer';
import { closeSync, openSync, readFileSync, readlinkSync, readSync } from 'node:fs';

// System calls a shell blocks in while it waits for a line: read(2) on the terminal (zsh, dash,
// bash's `read`) — only on the terminal: zsh's parent also blocks in read(2), on a pipe, until
// the child it forked has taken the terminal — and the select family readline waits in. Numbers
// per architecture.
// The epoll waits are for programs on an event loop (node, libuv) that wait for the terminal
// among other things (see blockedWait).
/** Numbers of the system calls a wait for input blocks in, on one architecture. */
export interface Syscalls {
  read: number;
  waits: ReadonlySet<number>;
  epoll: ReadonlySet<number>;
  /** poll(2) and ppoll(2); select(2) and pselect6(2) (see pollWait). */
  poll?: number;
  ppoll: number;
  select?: number;
  pselect6: number;
}
const BY_ARCH: Partial<Record<NodeJS.Architecture, Syscalls>> = {
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

/** This architecture's numbers; undefined where they are not known (only the process state is read there). */
export const SYSCALLS: Syscalls | undefined = BY_ARCH[process.arch];

/** A blocked system call as /proc tells it: its number, its six arguments, and the line itself. */
export interface Syscall {
  nr: number;
  /** The first argument as a number (the fd of a read). */
  fd: number;
  /** The arguments as the registers hold them (a C library may sign-extend an int: `-1` is 2^64 - 1). */
  args: bigint[];
  text: string;
}

/** The system call `pid` is blocked in, `running`, or undefined when /proc does not say. */
export function currentSyscall(pid: number): 'running' | Syscall | undefined {
  // "<nr> <arg1 hex> … <arg6 hex> <sp> <pc>", or "running" for a task on (or waiting for) a CPU.
  const text = syscallText(pid);
  if (text === undefined) return undefined;
  if (text.startsWith('running')) return 'running';
  const [nr, ...rest] = text.trim().split(' ');
  const args = rest.slice(0, 6).map((arg) => (/^0x[0-9a-f]+$/.test(arg) ? BigInt(arg) : -1n));
  const first = args[0] ?? -1n;
  const fd = first >= 0n && first < 2n ** 31n ? Number(first) : Number.NaN;
  const call = { nr: Number.parseInt(nr ?? '', 10), fd, args, text };
  return Number.isInteger(call.nr) ? call : undefined;
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
  const calls = SYSCALLS;
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
