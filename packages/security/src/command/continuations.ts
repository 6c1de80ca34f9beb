// Line continuations: bash removes every backslash-newline pair before splitting words, except
// inside single quotes, `$'…'`, comments and quoted-delimiter heredoc bodies; tree-sitter splits
// there instead (`cat secre\⏎t/key` is one word to bash, two to the parser). Joining them first
// makes the parse see the words bash runs. Where this scan cannot tell the context exactly
// (after a heredoc operator, or after a `$(…)`/`${…}`/backtick with quotes inside double quotes)
// a continuation fails closed with TooComplexError instead of guessing.
import { TooComplexError } from './limits';

type State = 'plain' | 'single' | 'ansi' | 'double';

const WORD_START = /[\s;&|()<>]/;
const QUOTING = /['"`\\]/;

// The end of a `$(…)`, `${…}` or backtick span starting at `i` inside double quotes, when it holds
// no quoting (so it cannot change what is quoted after it); -1 otherwise.
function plainSpanEnd(source: string, i: number): number {
  if (source[i] === '`') {
    const end = source.indexOf('`', i + 1);
    return end === -1 || QUOTING.test(source.slice(i + 1, end)) ? -1 : end;
  }
  const open = source[i + 1] as string;
  const close = open === '(' ? ')' : '}';
  let depth = 0;
  for (let j = i + 1; j < source.length; j++) {
    const c = source[j] as string;
    if (QUOTING.test(c)) return -1;
    if (c === open) depth++;
    else if (c === close && --depth === 0) return j;
  }
  return -1;
}

/** `source` with its line continuations removed as bash removes them; throws TooComplexError when unsure. */
export function joinContinuations(source: string): string {
  if (!source.includes('\\\n')) return source;
  let out = '';
  let state: State = 'plain';
  let unsure = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    const next = source[i + 1];
    if (state === 'single') {
      if (c === "'") state = 'plain';
      out += c;
      continue;
    }
    if (c === '\\' && next === '\n' && state !== 'ansi') {
      if (unsure) throw new TooComplexError('a line continuation inside a heredoc or a nested quote');
      i++;
      continue;
    }
    if (c === '\\' && next !== undefined) {
      out += c + next;
      i++;
      continue;
    }
    const prev = out[out.length - 1];
    if (state === 'ansi') {
      if (c === "'") state = 'plain';
    } else if (state === 'double') {
      if (c === '"') state = 'plain';
      else if (c === '`' || (c === '$' && (next === '(' || next === '{'))) {
        const end = plainSpanEnd(source, i);
        if (end === -1) unsure = true;
        else {
          out += source.slice(i, end + 1);
          i = end;
          continue;
        }
      }
    } else if (c === "'") state = 'single';
    else if (c === '"') state = 'double';
    else if (c === '$' && next === "'") {
      state = 'ansi';
      out += c + next;
      i++;
      continue;
    } else if (c === '<' && next === '<') {
      // `<<<` is a here-string (one word, no body); `<<` and `<<-` start a heredoc body.
      if (source[i + 2] === '<') {
        out += '<<<';
        i += 2;
        continue;
      }
      unsure = true;
    } else if (c === '#' && (prev === undefined || WORD_START.test(prev))) {
      // A comment ends at the newline; a backslash before it is part of the comment.
      const end = source.indexOf('\n', i);
      const stop = end === -1 ? source.length : end;
      out += source.slice(i, stop);
      i = stop - 1;
      continue;
    }
    out += c;
  }
  return out;
}
