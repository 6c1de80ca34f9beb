// What the kernel says about a shell that printed its "done" marker. A marker carries the
// terminal's key, which no program the shell starts can read, but the shell itself can be made to
// print one (a command that calls the hooks): a marker is believed only once the shell holds the
// terminal — the terminal's foreground process group is the shell's own — and sits blocked
// reading its input, as it does at its prompt. The cwd is read from /proc, never taken from what
// was printed.
// /proc files are read as 'utf8' (why: process/procfs.ts).
import { readlinkSync } from 'node:fs';
import { currentSyscall, SYSCALLS } from '../process/blocked-wait';
import { readProcStat } from '../process/procfs';

/**
 * `idle`: the shell holds the terminal and waits for input (at its prompt); `busy`: it holds the
 * terminal but runs, or waits for something else (a child it is about to give the terminal to) —
 * ask again; `job`: another process group holds the terminal, so a command is still running;
 * `unknown`: no process, or no controlling terminal to judge by.
 */
export type ShellState = 'idle' | 'busy' | 'job' | 'unknown';

/** Reads `/proc/<pid>/stat` (and `syscall`) of the shell and classifies it (see {@link ShellState}). */
export function shellState(pid: number): ShellState {
  const info = readProcStat(pid);
  if (!info || info.tpgid <= 0) return 'unknown';
  if (info.tpgid !== info.pgid) return 'job';
  const calls = SYSCALLS;
  const call = calls ? currentSyscall(pid) : undefined;
  // Where the system call cannot be read (another architecture, or no ptrace access to the
  // shell), the process state is all there is to go by.
  if (call === undefined || !calls) return info.state === 'R' ? 'busy' : 'idle';
  if (call === 'running' || !calls.waits.has(call.nr)) return 'busy';
  return call.nr !== calls.read || isTerminal(pid, call.fd) ? 'idle' : 'busy';
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
  const calls = SYSCALLS;
  const call = calls ? currentSyscall(pid) : undefined;
  if (!calls || call === undefined) return undefined;
  return call !== 'running' && call.nr === calls.read && isTerminal(pid, call.fd);
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
