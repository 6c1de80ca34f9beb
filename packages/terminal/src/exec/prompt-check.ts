// What the kernel says about a shell that printed its "done" marker. A marker carries the
// terminal's key, which no program the shell starts can read, but the shell itself can be made to
// print one (a command that calls the hooks): a marker is believed only once the shell holds the
// terminal — the terminal's foreground process group is the shell's own — and sits blocked
// reading its input, as it does at its prompt. The cwd is read from /proc, never taken from what
// was printed.
// /proc files are read as 'utf8' (why: process/procfs.ts).
import { readFileSync, readlinkSync } from 'node:fs';
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
const SYSCALLS: Partial<
  Record<NodeJS.Architecture, { read: number; waits: ReadonlySet<number>; epoll: ReadonlySet<number> }>
> = {
  // read, poll, select, pselect6, ppoll; epoll_wait, epoll_pwait, epoll_pwait2
  x64: { read: 0, waits: new Set([0, 7, 23, 270, 271]), epoll: new Set([232, 281, 441]) },
  // read, pselect6, ppoll; epoll_pwait, epoll_pwait2
  arm64: { read: 63, waits: new Set([63, 72, 73]), epoll: new Set([22, 441]) },
};

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

function currentSyscall(pid: number): 'running' | { nr: number; fd: number } | undefined {
  try {
    // "<nr> <arg1 hex> …", or "running" for a task on (or waiting for) a CPU.
    const text = readFileSync(`/proc/${pid}/syscall`, 'utf8');
    if (text.startsWith('running')) return 'running';
    const [nr, arg1] = text.split(' ');
    const call = { nr: Number.parseInt(nr ?? '', 10), fd: Number.parseInt(arg1 ?? '', 16) };
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

/**
 * What `pid` is blocked in: read(2), with the target of the fd it reads (`/dev/pts/3`,
 * `pipe:[1234]`), or an epoll wait, with the epoll fd; undefined for anything else, or when the
 * kernel does not say.
 */
export function blockedWait(
  pid: number,
): { kind: 'read'; target: string } | { kind: 'epoll'; epfd: number } | undefined {
  const calls = SYSCALLS[process.arch];
  const call = calls ? currentSyscall(pid) : undefined;
  if (!calls || call === undefined || call === 'running') return undefined;
  if (calls.epoll.has(call.nr)) return { kind: 'epoll', epfd: call.fd };
  if (call.nr !== calls.read) return undefined;
  try {
    return { kind: 'read', target: readlinkSync(`/proc/${pid}/fd/${call.fd}`) };
  } catch {
    return undefined;
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
