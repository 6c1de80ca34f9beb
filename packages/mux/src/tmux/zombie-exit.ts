// tmux 3.3 sometimes misses the SIGCHLD of a pane's shell: the pane turns dead (its pty closed)
// but tmux never reaps the shell, so it never learns the exit status and the zombie stays. The
// kernel keeps a zombie's wait status in /proc/<pid>/stat (field 52, Linux ≥ 3.5), so orchflow
// reads it there, and a SIGCHLD sent to the server makes tmux reap what it missed.
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import type { ExitInfo } from '@orchflow/protocol';

const signalNames = new Map<number, string>(Object.entries(constants.signals).map(([name, n]) => [n, name]));

/** The name of signal number `n` (`SIGHUP` for 1). */
export function signalName(n: number): string {
  return signalNames.get(n) ?? `SIG${n}`;
}

/**
 * How `pid` exited, read from its zombie; undefined unless `pid` is a zombie child of `parentPid`
 * (a pid that was reaped and reused by someone else is not taken for the shell).
 */
export function readZombieExit(pid: number, parentPid: number): ExitInfo | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm may hold spaces and parentheses: fields are counted from the last ')'; fields[0] is field 3.
  const fields = text
    .slice(text.lastIndexOf(')') + 1)
    .trim()
    .split(/\s+/);
  const status = Number(fields[52 - 3]);
  if (fields[0] !== 'Z' || Number(fields[4 - 3]) !== parentPid || !Number.isInteger(status)) return undefined;
  // A wait status: low 7 bits the terminating signal, else bits 8–15 the exit code.
  const signal = status & 0x7f;
  return signal === 0
    ? { exitCode: (status >> 8) & 0xff, signal: null }
    : { exitCode: null, signal: signalName(signal) };
}

/** Asks the tmux server (`serverPid`) to reap its exited children; false when it cannot be signalled. */
export function nudgeReaper(serverPid: number): boolean {
  if (serverPid <= 0) return false;
  try {
    process.kill(serverPid, 'SIGCHLD');
    return true;
  } catch {
    return false;
  }
}
