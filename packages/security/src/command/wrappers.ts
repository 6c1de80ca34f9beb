// Programs that run other programs. For each wrapper we know, its options are skipped exactly as
// the wrapper would parse them, so the wrapped command is found and judged like any other; an
// option we do not know makes the wrapper "unsupported" (fail closed under an allowlist).
import type { WordValue } from './words';

/** How a wrapper invocation hands over to what it runs. */
export type Unwrapped =
  /** The wrapped command starts at word `start`; words in `assignments` are `NAME=value`. */
  | { kind: 'exec'; start: number; assignments: number[]; chdir?: string }
  /** The wrapper runs a shell code string (`bash -c`, `env -S`). */
  | { kind: 'code'; code: WordValue; end: number }
  /** The wrapper runs nothing here (`env` alone, `sudo -l`); judge it as a command itself. */
  | { kind: 'none' }
  /** A known wrapper used in a way we cannot follow, or a wrapper we do not model. */
  | { kind: 'unsupported'; why: string };

interface OptionSpec {
  flags?: string;
  withArg?: string;
  /** Short options whose argument may only be attached (`-i{}`), never the next word. */
  attachedArg?: string;
  longFlags?: string[];
  longWithArg?: string[];
  /** `-5` style numeric options (nice). */
  numeric?: boolean;
}

type Scan = { next: number; seen: Map<string, string | true> } | { error: string };

// Walks options from `i`; records each option (by its letter or long name) with its argument.
function scanOptions(words: WordValue[], i: number, spec: OptionSpec): Scan {
  const seen = new Map<string, string | true>();
  while (i < words.length) {
    const word = words[i] as WordValue;
    const w = word.value;
    if (!w.startsWith('-') || w === '-') break;
    if (!word.literal) return { error: `option ${w} is not a literal` };
    if (w === '--') return { next: i + 1, seen };
    if (w.startsWith('--')) {
      const eq = w.indexOf('=');
      const name = eq < 0 ? w.slice(2) : w.slice(2, eq);
      if (spec.longFlags?.includes(name)) {
        seen.set(name, eq < 0 ? true : w.slice(eq + 1));
        i++;
      } else if (spec.longWithArg?.includes(name)) {
        seen.set(name, eq < 0 ? (words[i + 1]?.value ?? '') : w.slice(eq + 1));
        i += eq < 0 ? 2 : 1;
      } else return { error: `unknown option ${w}` };
      continue;
    }
    if (spec.numeric && /^-\d+$/.test(w)) {
      i++;
      continue;
    }
    let consumedNext = false;
    for (let k = 1; k < w.length; k++) {
      const c = w[k] as string;
      const rest = w.slice(k + 1);
      if (spec.withArg?.includes(c)) {
        consumedNext = rest === '';
        seen.set(c, rest === '' ? (words[i + 1]?.value ?? '') : rest);
        break;
      }
      if (spec.attachedArg?.includes(c)) {
        seen.set(c, rest || true);
        break;
      }
      if (!spec.flags?.includes(c)) return { error: `unknown option -${c}` };
      seen.set(c, true);
    }
    i += consumedNext ? 2 : 1;
  }
  return { next: i, seen };
}

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

function execAfter(
  words: WordValue[],
  scan: Scan,
  opts: { assignments?: boolean; positional?: number } = {},
): Unwrapped {
  if ('error' in scan) return { kind: 'unsupported', why: scan.error };
  let i = scan.next + (opts.positional ?? 0);
  const assignments: number[] = [];
  while (opts.assignments && i < words.length && ASSIGNMENT.test((words[i] as WordValue).value))
    assignments.push(i++);
  return i < words.length ? { kind: 'exec', start: i, assignments } : { kind: 'none' };
}

const SHELLS = new Set(['bash', 'sh', 'dash', 'zsh', 'ksh', 'mksh', 'ash', 'yash', 'fish']);

// Shells are wrappers only with -c; otherwise they run a script file, which is their argument.
function shell(words: WordValue[]): Unwrapped | undefined {
  const scan = scanOptions(words, 1, {
    flags: 'abcefhiklmnprstuvxBCEHPT',
    withArg: 'oO',
    longFlags: ['login', 'norc', 'noprofile', 'posix', 'noediting', 'restricted', 'verbose', 'debugger'],
    longWithArg: ['rcfile', 'init-file'],
  });
  if ('error' in scan) return { kind: 'unsupported', why: scan.error };
  if (!scan.seen.has('c')) return undefined;
  const code = words[scan.next];
  return code ? { kind: 'code', code, end: scan.next + 1 } : { kind: 'none' };
}

const TABLE: Record<string, (words: WordValue[]) => Unwrapped | undefined> = {
  env: (words) => {
    const scan = scanOptions(words, 1, {
      flags: '0iv',
      withArg: 'uCSP',
      longFlags: [
        'ignore-environment',
        'null',
        'debug',
        'default-signal',
        'ignore-signal',
        'block-signal',
        'list-signal-handling',
      ],
      longWithArg: ['unset', 'chdir', 'split-string'],
    });
    // `env -` is an old spelling of `env -i`.
    const fixed =
      !('error' in scan) && words[scan.next]?.value === '-' ? { ...scan, next: scan.next + 1 } : scan;
    if (!('error' in fixed)) {
      const split = fixed.seen.get('S') ?? fixed.seen.get('split-string');
      if (typeof split === 'string') {
        return {
          kind: 'code',
          code: {
            value: split,
            literal: words.every((w) => w.literal),
            prefix: '',
            expanded: words.some((w) => w.expanded),
          },
          end: words.length,
        };
      }
      const result = execAfter(words, fixed, { assignments: true });
      const chdir = fixed.seen.get('C') ?? fixed.seen.get('chdir');
      return result.kind === 'exec' && typeof chdir === 'string' ? { ...result, chdir } : result;
    }
    return execAfter(words, fixed);
  },
  sudo: (words) =>
    execAfter(
      words,
      scanOptions(words, 1, {
        flags: 'AbBEHiKklLnPSsVve',
        withArg: 'CDghpRrTtUu',
        longFlags: [
          'preserve-env',
          'login',
          'shell',
          'non-interactive',
          'stdin',
          'background',
          'askpass',
          'set-home',
          'edit',
          'list',
          'validate',
          'reset-timestamp',
          'remove-timestamp',
          'preserve-groups',
          'bell',
        ],
        longWithArg: [
          'user',
          'group',
          'chdir',
          'chroot',
          'close-from',
          'host',
          'prompt',
          'role',
          'type',
          'other-user',
          'command-timeout',
        ],
      }),
      { assignments: true },
    ),
  doas: (words) => execAfter(words, scanOptions(words, 1, { flags: 'Lns', withArg: 'Cu' })),
  nice: (words) =>
    execAfter(words, scanOptions(words, 1, { withArg: 'n', numeric: true, longWithArg: ['adjustment'] })),
  nohup: (words) => execAfter(words, scanOptions(words, 1, {})),
  timeout: (words) =>
    execAfter(
      words,
      scanOptions(words, 1, {
        flags: 'v',
        withArg: 'sk',
        longFlags: ['preserve-status', 'foreground', 'verbose'],
        longWithArg: ['signal', 'kill-after'],
      }),
      { positional: 1 },
    ),
  stdbuf: (words) =>
    execAfter(words, scanOptions(words, 1, { withArg: 'ioe', longWithArg: ['input', 'output', 'error'] })),
  command: (words) => execAfter(words, scanOptions(words, 1, { flags: 'pvV' })),
  builtin: (words) => execAfter(words, scanOptions(words, 1, {})),
  exec: (words) => execAfter(words, scanOptions(words, 1, { flags: 'cl', withArg: 'a' })),
  time: (words) =>
    execAfter(
      words,
      scanOptions(words, 1, {
        flags: 'pav',
        withArg: 'fo',
        longFlags: ['portability', 'append', 'verbose'],
        longWithArg: ['format', 'output'],
      }),
    ),
  busybox: (words) => execAfter(words, scanOptions(words, 1, {})),
  xargs: (words) =>
    execAfter(
      words,
      scanOptions(words, 1, {
        flags: '0prtx',
        withArg: 'aEdILnPs',
        attachedArg: 'eil',
        longFlags: [
          'null',
          'interactive',
          'no-run-if-empty',
          'verbose',
          'exit',
          'open-tty',
          'show-limits',
          'replace',
          'eof',
          'max-lines',
        ],
        longWithArg: ['arg-file', 'delimiter', 'max-args', 'max-procs', 'max-chars', 'process-slot-var'],
      }),
    ),
};

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
]);

/**
 * How `words` (program first, already resolved to its name in `program`) hands over to another
 * command, or `undefined` when `program` is not a wrapper.
 */
export function unwrap(program: string, words: WordValue[]): Unwrapped | undefined {
  if (SHELLS.has(program)) return shell(words);
  const known = TABLE[program];
  if (known) return known(words);
  if (UNSUPPORTED.has(program))
    return { kind: 'unsupported', why: `'${program}' runs commands in a way this policy does not follow` };
  return undefined;
}

/** The `find` actions that run a command, ended by `;` or `+`: word ranges [start, end). */
export function findExecs(words: WordValue[]): Array<{ action: number; start: number; end: number }> {
  const out: Array<{ action: number; start: number; end: number }> = [];
  for (let i = 1; i < words.length; i++) {
    if (!['-exec', '-execdir', '-ok', '-okdir'].includes((words[i] as WordValue).value)) continue;
    let end = i + 1;
    while (end < words.length && !/^[;+]$/.test((words[end] as WordValue).value)) end++;
    out.push({ action: i, start: i + 1, end });
    i = end;
  }
  return out;
}
