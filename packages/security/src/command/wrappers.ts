// Programs that run other programs: which are wrappers, and how one hands over to what it runs.
// For each wrapper we know, its options are skipped exactly as the wrapper would parse them
// (wrapper-table.ts, wrapper-options.ts), so the wrapped command is found and judged like any
// other; an option we do not know, or a wrapper we know of but do not model, makes it
// "unsupported" (fail closed under an allowlist).

import type { WordValue } from './words';
import type { Unwrapped } from './wrapper-options';
import { SHELLS, shell, WRAPPER_TABLE } from './wrapper-table';

/** Wrappers we know exist but do not model; under an allowlist they are denied. */
const UNSUPPORTED = new Set([
  'su',
  'runuser',
  'sg',
  'newgrp',
  'setsid',
  'ionice',
  'taskset',
  'chrt',
  'watch',
  'strace',
  'ltrace',
  'flock',
  'script',
  'parallel',
  'sem',
  'unshare',
  'nsenter',
  'chroot',
  'firejail',
  'bwrap',
  'nsjail',
  'proot',
  'systemd-run',
  'chronic',
  'unbuffer',
  'caffeinate',
  'catchsegv',
  'valgrind',
  'gdb',
  'torsocks',
  'proxychains',
  'proxychains4',
  'faketime',
  'fakeroot',
  'dbus-run-session',
  'ssh-agent',
  'rlwrap',
  'pkexec',
  'coproc',
  // Personality, limits, credentials, scheduling and memory placement: each runs its last words.
  'setarch',
  'linux32',
  'linux64',
  'i386',
  'x86_64',
  'uname26',
  'prlimit',
  'setpriv',
  'numactl',
  'capsh',
  'cgexec',
  'schedtool',
  'trickle',
  'ld.so',
]);

// The dynamic loader run as a program (`/lib64/ld-linux-x86-64.so.2 /usr/bin/rm`) runs its operand.
const DYNAMIC_LOADER = /^ld(-linux[-\w.]*|-musl[-\w.]*)?\.so(\.\d+)*$/;

/**
 * How `words` (program first, already resolved to its name in `program`) hands over to another
 * command, or `undefined` when `program` is not a wrapper.
 */
export function unwrap(program: string, words: WordValue[]): Unwrapped | undefined {
  if (SHELLS.has(program)) return shell(words);
  const known = WRAPPER_TABLE[program];
  if (known) return known(words);
  if (UNSUPPORTED.has(program) || DYNAMIC_LOADER.test(program))
    return { kind: 'unsupported', why: `'${program}' runs commands in a way this policy does not follow` };
  return undefined;
}
