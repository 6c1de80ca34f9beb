// How a wrapper hands over to what it runs (Unwrapped), and the option walk every wrapper table in
// wrapper-table.ts shares: options are skipped exactly as the wrapper's own parser reads them
// (bundled short flags, values attached or in the next word, `--long=value`, `--`), and an option
// not in the table stops the walk with an error, so the wrapper is "unsupported" (fail closed
// under an allowlist) rather than guessed at.
import type { WordValue } from './words';

/** How a wrapper invocation hands over to what it runs. */
export type Unwrapped =
  /**
   * The wrapped command starts at word `start`; words in `assignments` are `NAME=value`; `words`,
   * when given, are the wrapped command's words as the wrapper passes them (xargs adds its input).
   */
  | {
      kind: 'exec';
      start: number;
      assignments: number[];
      chdir?: string;
      words?: WordValue[];
      /** Files the wrapper itself opens (`xargs -a f` reads, `time -o f` writes), as redirections. */
      files?: Array<{ word: WordValue; write: boolean }>;
      /** The name the wrapped program is given as its argv[0] (`exec -a NAME`, `env -a NAME`). */
      argv0?: WordValue;
    }
  /** The wrapper runs a shell code string (`bash -c`, `env -S`). */
  | { kind: 'code'; code: WordValue; end: number }
  /** The wrapper runs nothing here (`env` alone, `sudo -l`); judge it as a command itself. */
  | { kind: 'none' }
  /** A known wrapper used in a way we cannot follow, or a wrapper we do not model. */
  | { kind: 'unsupported'; why: string };

/** The options of one wrapper: which take an argument, and how. */
export interface OptionSpec {
  flags?: string;
  withArg?: string;
  /** Short options whose argument may only be attached (`-i{}`), never the next word. */
  attachedArg?: string;
  longFlags?: string[];
  longWithArg?: string[];
  /** `-5` style numeric options (nice). */
  numeric?: boolean;
}

/** Where the options end and what was seen (by letter or long name), or why the walk stopped. */
export type OptionScan =
  | {
      next: number;
      seen: Map<string, string | true>;
      /** Where each seen option's value is: the word and the offset it starts at. */
      at: Map<string, { index: number; offset: number }>;
    }
  | { error: string };

/** Walks options from `i`; records each option (by its letter or long name) with its argument. */
export function scanOptions(words: WordValue[], i: number, spec: OptionSpec): OptionScan {
  const seen = new Map<string, string | true>();
  const at = new Map<string, { index: number; offset: number }>();
  while (i < words.length) {
    const word = words[i] as WordValue;
    const w = word.value;
    if (!w.startsWith('-') || w === '-') break;
    if (!word.literal) return { error: `option ${w} is not a literal` };
    if (w === '--') return { next: i + 1, seen, at };
    if (w.startsWith('--')) {
      const eq = w.indexOf('=');
      const name = eq < 0 ? w.slice(2) : w.slice(2, eq);
      if (spec.longFlags?.includes(name)) {
        seen.set(name, eq < 0 ? true : w.slice(eq + 1));
        i++;
      } else if (spec.longWithArg?.includes(name)) {
        seen.set(name, eq < 0 ? (words[i + 1]?.value ?? '') : w.slice(eq + 1));
        at.set(name, eq < 0 ? { index: i + 1, offset: 0 } : { index: i, offset: eq + 1 });
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
        at.set(c, rest === '' ? { index: i + 1, offset: 0 } : { index: i, offset: k + 1 });
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
  return { next: i, seen, at };
}

/** The words of the options `names` (letters or long names) that name files, cut to their values. */
export function optionFiles(words: WordValue[], scan: OptionScan, names: string[]): WordValue[] {
  if ('error' in scan) return [];
  const out: WordValue[] = [];
  for (const name of names) {
    const where = scan.at.get(name);
    const word = where && words[where.index];
    if (!where || !word) continue;
    const cut = where.offset;
    out.push(
      cut === 0
        ? word
        : { ...word, value: word.value.slice(cut), prefix: word.prefix.slice(cut), alternatives: undefined },
    );
  }
  return out;
}

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/**
 * The wrapped command after the options (and `positional` operands, and with `assignments` any
 * `NAME=value` words) or, when nothing follows, `none`.
 */
export function execAfter(
  words: WordValue[],
  scan: OptionScan,
  opts: { assignments?: boolean; positional?: number } = {},
): Unwrapped {
  if ('error' in scan) return { kind: 'unsupported', why: scan.error };
  let i = scan.next + (opts.positional ?? 0);
  const assignments: number[] = [];
  while (opts.assignments && i < words.length && ASSIGNMENT.test((words[i] as WordValue).value))
    assignments.push(i++);
  return i < words.length ? { kind: 'exec', start: i, assignments } : { kind: 'none' };
}
