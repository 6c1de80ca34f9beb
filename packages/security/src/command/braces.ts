// Brace expansion as bash does it on a word's text (`/etc/{shadow,x}`, `f{1..3}`), so each
// alternative can be judged as the literal it becomes. Bounded: a word that would expand to more
// than MAX_ALTERNATIVES words is reported as unexpandable and handled as a non-literal.

import { CHARS_PER_STEP, spend } from './budget';

const MAX_ALTERNATIVES = 256;

// The first top-level `{…}` that contains a top-level comma or a `..` sequence.
function findGroup(text: string): { open: number; close: number; parts: string[] } | undefined {
  for (let open = text.indexOf('{'); open >= 0; open = text.indexOf('{', open + 1)) {
    let depth = 0;
    let start = open + 1;
    const parts: string[] = [];
    for (let i = open; i < text.length; i++) {
      const ch = text[i];
      if (ch === '{') depth++;
      else if (ch === '}') {
        depth--;
        if (depth === 0) {
          parts.push(text.slice(start, i));
          if (parts.length > 1) return { open, close: i, parts };
          const seq = sequence(parts[0] as string);
          if (seq) return { open, close: i, parts: seq };
          break;
        }
      } else if (ch === ',' && depth === 1) {
        parts.push(text.slice(start, i));
        start = i + 1;
      }
    }
    // Each `{` is scanned to its end: quadratic in a word of many unclosed `{`.
    spend(Math.ceil((text.length - open) / CHARS_PER_STEP), 'brace expansion');
  }
  return undefined;
}

// `1..5`, `a..e`, `10..1..2`.
function sequence(body: string): string[] | undefined {
  const m = /^(-?\d+|[A-Za-z])\.\.(-?\d+|[A-Za-z])(?:\.\.(-?\d+))?$/.exec(body);
  if (!m) return undefined;
  const [, from = '', to = '', stepText] = m;
  const numeric = /\d/.test(from) && /\d/.test(to);
  if (!numeric && (/\d/.test(from) || /\d/.test(to))) return undefined;
  const a = numeric ? Number(from) : from.charCodeAt(0);
  const b = numeric ? Number(to) : to.charCodeAt(0);
  const step = Math.abs(Number(stepText ?? 1)) || 1;
  if (Math.abs(b - a) / step > MAX_ALTERNATIVES) return undefined;
  const out: string[] = [];
  for (let v = a; a <= b ? v <= b : v >= b; v += a <= b ? step : -step)
    out.push(numeric ? String(v) : String.fromCharCode(v));
  return out;
}

// Groups expanded one inside the other (recursion depth); more than this many groups in a word
// would also give more than MAX_ALTERNATIVES words unless most have one alternative (`{1..1}`).
const MAX_GROUPS = 64;

/** Every word `text` brace-expands to, or `undefined` when there would be too many. */
export function expandBraces(text: string, depth = 0): string[] | undefined {
  const group = findGroup(text);
  if (!group) return [text];
  if (depth >= MAX_GROUPS) return undefined;
  const head = text.slice(0, group.open);
  const tail = text.slice(group.close + 1);
  const out: string[] = [];
  spend(group.parts.length, 'brace expansion');
  for (const part of group.parts) {
    const expanded = expandBraces(head + part + tail, depth + 1);
    if (!expanded) return undefined;
    out.push(...expanded);
    if (out.length > MAX_ALTERNATIVES) return undefined;
  }
  return out;
}

/**
 * Whether `text` has a brace group with a top-level list or sequence, as /\{[^{}]*(,|\.\.)[^{}]*\}/
 * would say, in linear time: that regex backtracks quadratically on `{` and 60 000 commas.
 */
export function hasBraceList(text: string): boolean {
  let open = false;
  let listed = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '{') {
      open = true;
      listed = false;
    } else if (ch === '}') {
      if (open && listed) return true;
      open = false;
    } else if (open && (ch === ',' || (ch === '.' && text[i - 1] === '.'))) listed = true;
  }
  return false;
}
