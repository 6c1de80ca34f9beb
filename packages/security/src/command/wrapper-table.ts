// The wrappers we model, one option table each (env, sudo, doas, nice, nohup, timeout, stdbuf,
// command, builtin, exec, time, busybox, xargs, and shells with -c): which of their options take
// an argument, and where the wrapped command or code string starts (wrapper-options.ts walks them).
// A table is a claim about the real program's option parser: an option left out makes the wrapper
// unsupported rather than misread.
import { envSplit } from './env-split';
import { runTime } from './find-exec';
import { scanShellOptions } from './shell-options';
import type { WordValue } from './words';
import { execAfter, type OptionScan, optionFiles, scanOptions, type Unwrapped } from './wrapper-options';

// xargs appends words read from its input (or a file) to the command, or with -I/-i/--replace puts
// them where the replacement string is: those words are only known at run time.
function xargs(words: WordValue[], scan: OptionScan): Unwrapped {
  const result = execAfter(words, scan);
  if (result.kind !== 'exec' || 'error' in scan) return result;
  const replace = scan.seen.get('I') ?? scan.seen.get('i') ?? scan.seen.get('replace');
  const token = typeof replace === 'string' ? replace : replace === true ? '{}' : undefined;
  const command = words.slice(result.start);
  const input =
    token === undefined
      ? [...command, runTime('{xargs input}')]
      : command.map((w) =>
          w.value.includes(token)
            ? runTime(w.value, w.literal ? w.value.slice(0, w.value.indexOf(token)) : w.prefix)
            : w,
        );
  // `-a FILE` / `--arg-file=FILE`: xargs reads its arguments from that file.
  const files = optionFiles(words, scan, ['a', 'arg-file']).map((word) => ({ word, write: false }));
  return { ...result, words: input, files };
}

// `exec -a NAME`, `env -a NAME`/`--argv0=NAME`: the wrapped program runs under another name.
function named(words: WordValue[], scan: OptionScan, result: Unwrapped, names: string[]): Unwrapped {
  if (result.kind !== 'exec') return result;
  const argv0 = optionFiles(words, scan, names)[0];
  return argv0 ? { ...result, argv0 } : result;
}

// `time -o FILE` writes its report to FILE (`-a` appends).
function timeWrapper(words: WordValue[], scan: OptionScan): Unwrapped {
  const result = execAfter(words, scan);
  if (result.kind !== 'exec') return result;
  return {
    ...result,
    files: optionFiles(words, scan, ['o', 'output']).map((word) => ({ word, write: true })),
  };
}

/** Shells: wrappers of their `-c` code string. */
export const SHELLS: ReadonlySet<string> = new Set([
  'bash',
  'sh',
  'dash',
  'zsh',
  'ksh',
  'mksh',
  'ash',
  'yash',
  'fish',
]);

/**
 * A shell is a wrapper only with -c; otherwise it runs a script file, its argument (`undefined`).
 * Its options are read as bash reads them (`+x`, `-o NAME` in a cluster; see shell-options.ts).
 */
export function shell(words: WordValue[]): Unwrapped | undefined {
  const scan = scanShellOptions(words);
  if ('error' in scan) return { kind: 'unsupported', why: scan.error };
  if (!scan.seen.has('c')) return undefined;
  const code = words[scan.next];
  return code ? { kind: 'code', code, end: scan.next + 1 } : { kind: 'none' };
}

/** The wrappers whose options are modelled, each read as the wrapper reads its arguments. */
export const WRAPPER_TABLE: Readonly<Record<string, (words: WordValue[]) => Unwrapped | undefined>> = {
  env: (words) => {
    const split = envSplit(words);
    if (split) return split;
    const scan = scanOptions(words, 1, {
      flags: '0iv',
      withArg: 'uCSPa',
      longFlags: [
        'ignore-environment',
        'null',
        'debug',
        'default-signal',
        'ignore-signal',
        'block-signal',
        'list-signal-handling',
      ],
      longWithArg: ['unset', 'chdir', 'split-string', 'argv0'],
    });
    // `env -` is an old spelling of `env -i`.
    const fixed =
      !('error' in scan) && words[scan.next]?.value === '-' ? { ...scan, next: scan.next + 1 } : scan;
    if (!('error' in fixed)) {
      const result = named(words, fixed, execAfter(words, fixed, { assignments: true }), ['a', 'argv0']);
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
  exec: (words) => {
    const scan = scanOptions(words, 1, { flags: 'cl', withArg: 'a' });
    return named(words, scan, execAfter(words, scan), ['a']);
  },
  time: (words) =>
    timeWrapper(
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
    xargs(
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
