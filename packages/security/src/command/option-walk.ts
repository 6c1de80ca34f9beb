// A program's arguments split the way its own option parser splits them (getopt_long style:
// bundled short options, values attached or in the next word, `--long=value`, unique
// abbreviations of long options, `--` ending options), so the path check can tell file operands
// from patterns, search terms and option values.
import type { WordValue } from './words';

/** Which options of a program take a value. */
export interface Grammar {
  /** Short options that take a value, attached (`-A3`) or in the next word (`-A 3`). */
  short: string;
  /** Short options whose value is optional and only ever attached (`sed -i.bak`, `git -O<file>`). */
  attached?: string;
  /** Long options that take a value (`--file=x` or `--file x`). */
  long: readonly string[];
  /** Options stop at the first operand (POSIX order) instead of anywhere before `--`. */
  posix?: boolean;
  /** Options after which the program parses no more options (`python3 -c code -x`: `-x` is code's). */
  stops?: readonly string[];
}

/** One option as the program sees it. */
export interface Option {
  /** The letter (`e`) or long name (`regexp`), abbreviations expanded. */
  name: string;
  /** Its value, when it takes one. */
  value?: string;
  /** Index of the word that holds the value, and where in that word the value starts. */
  valueAt?: { index: number; offset: number };
  /** Index of the word that names the option. */
  index?: number;
}

/** The options and operands of an argument list. */
export interface Walked {
  options: Option[];
  /** Indexes of the operand words, in order. */
  operands: number[];
  /** Index of the `--` that ended the options, if one did. */
  end?: number;
}

function longName(name: string, grammar: Grammar): string {
  if (grammar.long.includes(name)) return name;
  const candidates = grammar.long.filter((l) => l.startsWith(name));
  return candidates.length === 1 ? (candidates[0] as string) : name;
}

/** Splits `args` (the words after the program name) by `grammar`. */
export function walkOptions(args: readonly WordValue[], grammar: Grammar): Walked {
  const options: Option[] = [];
  const operands: number[] = [];
  let ended = false;
  let end: number | undefined;
  // Options pushed by the word at `from` get its index; a stopping option ends option parsing.
  let stamped = 0;
  let from = 0;
  const stamp = () => {
    for (; stamped < options.length; stamped++) {
      const o = options[stamped] as Option;
      o.index = from;
      if (grammar.stops?.includes(o.name)) ended = true;
    }
  };
  for (let i = 0; i < args.length; i++) {
    stamp();
    from = i;
    const w = (args[i] as WordValue).value;
    if (ended || !w.startsWith('-') || w === '-') {
      operands.push(i);
      if (grammar.posix) ended = true;
      continue;
    }
    if (w === '--') {
      ended = true;
      end = i;
      continue;
    }
    if (w.startsWith('--')) {
      const eq = w.indexOf('=');
      const name = longName(w.slice(2, eq < 0 ? undefined : eq), grammar);
      if (eq >= 0) options.push({ name, value: w.slice(eq + 1), valueAt: { index: i, offset: eq + 1 } });
      else if (grammar.long.includes(name) && i + 1 < args.length) {
        options.push({ name, value: args[i + 1]?.value, valueAt: { index: i + 1, offset: 0 } });
        i++;
      } else options.push({ name });
      continue;
    }
    for (let k = 1; k < w.length; k++) {
      const c = w[k] as string;
      if (grammar.attached?.includes(c)) {
        options.push(
          k + 1 < w.length
            ? { name: c, value: w.slice(k + 1), valueAt: { index: i, offset: k + 1 } }
            : { name: c },
        );
        break;
      }
      if (!grammar.short.includes(c)) {
        options.push({ name: c });
        continue;
      }
      if (k + 1 < w.length)
        options.push({ name: c, value: w.slice(k + 1), valueAt: { index: i, offset: k + 1 } });
      else if (i + 1 < args.length) {
        options.push({ name: c, value: args[i + 1]?.value, valueAt: { index: i + 1, offset: 0 } });
        i++;
      } else options.push({ name: c });
      break;
    }
  }
  stamp();
  return end === undefined ? { options, operands } : { options, operands, end };
}

/** Whether any of `names` was given. */
export function given(walked: Walked, ...names: string[]): boolean {
  return walked.options.some((o) => names.includes(o.name));
}

/** A level count given as literal integers (`-maxdepth 2`), the largest; else unbounded. */
export function depthOf(values: ReadonlyArray<string | undefined>): number | undefined {
  const numbers = values.map((v) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : Number.NaN));
  return numbers.length === 0 || numbers.some(Number.isNaN) ? undefined : Math.max(...numbers);
}
