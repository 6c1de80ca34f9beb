// `env -S STRING` splits STRING into arguments with its own rules, not bash's (GNU coreutils):
// whitespace separates; '…' and "…" quote; outside single quotes `\_` separates (a space inside
// double quotes), `\t \n \r \f \v` are control characters, `\\ \" \' \# \$` the character itself,
// `\c` ends the string; `#` at the start of an argument starts a comment; `${NAME}` is the
// variable's value. Anything else (a lone `$`, an unknown escape, an open quote) makes env fail.
// The result is written back as bash words so the scanner judges what env will run.

import type { WordValue } from './words';
import type { Unwrapped } from './wrapper-options';

const SPACE = /[ \t\n\v\f\r]/;
const CONTROL: Readonly<Record<string, string>> = { t: '\t', n: '\n', r: '\r', f: '\f', v: '\v' };
const LITERAL_ESCAPES = new Set(['\\', '"', "'", '#', '$']);

const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

/**
 * The arguments of `env -S text` as bash source (`'cat' 'secret/key'`, `${NAME}` kept as
 * `"${NAME}"` so it stays a run-time value), or an error env would report.
 */
export function splitEnvString(text: string): { source: string } | { error: string } {
  const args: string[] = [];
  let current: string | undefined;
  // Literal characters are collected and quoted as one piece.
  let pending = '';
  const flush = () => {
    if (pending !== '') current = (current ?? '') + quote(pending);
    pending = '';
  };
  const add = (piece: string) => {
    flush();
    current = (current ?? '') + piece;
  };
  const literal = (s: string) => {
    current ??= '';
    pending += s;
  };
  const finish = () => {
    flush();
    if (current !== undefined) args.push(current === '' ? "''" : current);
    current = undefined;
  };
  let i = 0;
  let mode: 'plain' | 'single' | 'double' = 'plain';
  while (i < text.length) {
    const ch = text[i] as string;
    if (mode === 'single') {
      if (ch === "'") mode = 'plain';
      else if (ch === '\\' && (text[i + 1] === '\\' || text[i + 1] === "'")) literal(text[++i] as string);
      else literal(ch);
      i++;
      continue;
    }
    if (mode === 'plain' && SPACE.test(ch)) {
      finish();
      i++;
      continue;
    }
    if (mode === 'plain' && ch === '#' && current === undefined) break;
    if (mode === 'plain' && ch === "'") {
      mode = 'single';
      current ??= '';
      i++;
      continue;
    }
    if (ch === '"') {
      mode = mode === 'double' ? 'plain' : 'double';
      current ??= '';
      i++;
      continue;
    }
    if (ch === '\\') {
      const next = text[i + 1];
      if (next === undefined) return { error: 'a backslash ends the string' };
      if (next === 'c') {
        if (mode === 'double') return { error: "'\\c' inside double quotes" };
        break;
      }
      if (next === '_') {
        if (mode === 'double') literal(' ');
        else finish();
      } else if (CONTROL[next]) literal(CONTROL[next] as string);
      else if (LITERAL_ESCAPES.has(next)) literal(next);
      else return { error: `the escape '\\${next}'` };
      i += 2;
      continue;
    }
    if (ch === '$') {
      const name = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(text.slice(i));
      if (!name) return { error: "a '$' not followed by '{NAME}'" };
      add(`"\${${name[1]}}"`);
      i += name[0].length;
      continue;
    }
    literal(ch);
    i++;
  }
  if (mode !== 'plain') return { error: 'an unterminated quote' };
  finish();
  return { source: args.join(' ') };
}

/**
 * `env -S STRING`, or `undefined` when env is given no -S.
 */
// `env -S STRING`: STRING's arguments take the option's place and env goes on parsing them (they
// may hold more options, assignments, the command and its arguments); words after it follow. The
// result is judged as the bash source `env <words before> <STRING's arguments> <words after>`.
export function envSplit(words: WordValue[]): Unwrapped | undefined {
  for (let i = 1; i < words.length; i++) {
    const w = (words[i] as WordValue).value;
    if (!w.startsWith('-') || w === '-' || w === '--') return undefined;
    let head = '';
    let value: string | undefined;
    let end = i + 1;
    const long = /^--s[a-z-]*(=|$)/.exec(w) && 'split-string'.startsWith(w.slice(2).split('=')[0] as string);
    if (long) {
      const eq = w.indexOf('=');
      value = eq < 0 ? words[i + 1]?.value : w.slice(eq + 1);
      end = eq < 0 ? i + 2 : i + 1;
    } else if (!w.startsWith('--')) {
      for (let k = 1; k < w.length; k++) {
        const c = w[k] as string;
        if ('uCP'.includes(c)) {
          if (k + 1 === w.length) i++;
          break;
        }
        if (c !== 'S') continue;
        head = k > 1 ? w.slice(0, k) : '';
        value = k + 1 < w.length ? w.slice(k + 1) : words[i + 1]?.value;
        end = k + 1 < w.length ? i + 1 : i + 2;
        break;
      }
    } else if (/^--(unset|chdir|u|un|uns|unse|c|ch|chd|chdi)$/.test(w)) i++;
    if (value === undefined) continue;
    const split = splitEnvString(value);
    if ('error' in split)
      return { kind: 'unsupported', why: `env -S would reject its string (${split.error})` };
    const before = words.slice(0, i).map((x) => quote(x.value));
    const after = words.slice(end).map((x) => quote(x.value));
    const source = [...before, head && quote(head), split.source, ...after].filter((x) => x !== '').join(' ');
    const literal = words.every((x) => x.literal);
    return {
      kind: 'code',
      code: { value: source, literal, prefix: '', expanded: !literal },
      end: words.length,
    };
  }
  return undefined;
}
