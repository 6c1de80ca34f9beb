// The terminal's key reaches a new shell through the terminal itself, typed while the shell sits
// in its `read -s` with echo off, so it is never echoed into the output nor kept in any file,
// argv or environment a program could read (see shell-session.ts).
import { foregroundProcessGroup } from '../process/tree';
import type { ShellKind } from '../spawn-options';
import { readingTerminal } from './prompt-check';

// How long (in 1 ms steps) the key waits for the shell to sit in its `read -s`.
const KEY_WAIT_ATTEMPTS = 2000;

/** What typing the key needs from the terminal. */
export interface KeyHandOff {
  kind: ShellKind;
  shellPid: number;
  nonce: string;
  write(data: string): void;
  /** The shell has exited: nothing is typed. */
  exited(): boolean;
}

/**
 * Types the key once the shell sits in its `read -s`. The shell is found as the terminal's
 * foreground group (a wrapper such as bwrap may be the PTY's child). Where the kernel does not
 * say, or after {@link KEY_WAIT_ATTEMPTS}, the key is typed anyway: sh's rc switched echo off
 * with `stty` before asking.
 */
export function typeKeyWhenReading(to: KeyHandOff, attempt = 0): void {
  if (to.exited()) return;
  const pid = foregroundProcessGroup(to.shellPid) ?? to.shellPid;
  const reading = to.kind === 'sh' ? undefined : readingTerminal(pid);
  if (reading === false && attempt < KEY_WAIT_ATTEMPTS) {
    setTimeout(() => typeKeyWhenReading(to, attempt + 1), 1);
    return;
  }
  to.write(`${to.nonce}\r`);
}
