// The regular-expression subset a redaction pattern may use, parsed so that every pattern can be
// judged before it ever sees output: its shortest and longest match (a streaming redactor must
// know how much it may have to hold back, and a pattern that can match nothing would loop), its
// literal lead (where a match can start: the scanner looks for that text, never runs the regex
// over unbounded input), and a second regex that accepts every prefix of a match (is a held tail
// still the start of a secret, or can it go out now?).
//
// Accepted: ASCII literals and escapes, `.`, classes `[…]`, `\d \w \s` (and negations), groups
// `(…)`/`(?:…)`, alternation, and bounded repetition `? {n} {n,m}` (lazy or greedy). Refused:
// unbounded repetition (`* + {n,}`), repetition of something that itself repeats, and runs of
// repetitions that could share the same text too many ways (the backtracking that makes a regex
// catastrophic; see pattern-ambiguity.ts), anchors, `\b`, lookaround and backreferences (they look past
// the match, which a stream cannot offer), non-ASCII.

import {
  ambiguousChain,
  lengths,
  MAX_EXTRA_WAYS,
  MAX_STEPS_PER_LEAD,
  type PatternNode,
} from './pattern-ambiguity';

/** A parsed pattern node. */
type Node = PatternNode;

/** What a pattern's analysis yields. */
export interface PatternShape {
  /** Literal text every match starts with. */
  lead: string;
  minLength: number;
  maxLength: number;
  /** Regex source matching exactly the pattern (normalised). */
  source: string;
  /** Regex source matching every prefix of a match (the empty one included). */
  prefixSource: string;
  /** What every match ends with, after its widest gap (see {@link PatternTail}); absent when none. */
  tail?: PatternTail;
}

/**
 * The part of a pattern after its widest gap (`-----END …` after `[\s\S]{0,16384}?`): every match
 * ends with a match of it, so where it occurs nowhere, no match can start before. Text full of
 * the lead and short of the tail (a `grep` for key headers) is then judged without running the
 * regex over a gap's window at every lead.
 */
export interface PatternTail {
  /** Literal text the tail starts with (≥ 2 characters). */
  lead: string;
  /** Regex source matching exactly the tail. */
  source: string;
  minLength: number;
  maxLength: number;
  /** Regex source matching every prefix of a tail. */
  prefixSource: string;
  /**
   * Set when the gap takes any character (`[\s\S]`) and what precedes it is shorter than
   * {@link OPEN_PREFIX_CHECK}: then text up to this long (the longest head plus the gap) whose
   * first OPEN_PREFIX_CHECK characters start a match starts one too, the gap taking the rest;
   * longer text does only if a tail begins in its last `maxLength` characters.
   */
  openPrefixLength?: number;
}

// A repetition this wide is worth skipping over by finding what follows it first.
const MIN_GAP = 256;
/** How much of a held tail is tested before the rest (see PatternTail.openPrefixLength). */
export const OPEN_PREFIX_CHECK = 256;
// Classes that take every character.
const ANY_CHARACTER = new Set(['[\\s\\S]', '[\\S\\s]', '[\\d\\D]', '[\\D\\d]', '[\\w\\W]', '[\\W\\w]']);

/** Why a pattern was refused (the caller wraps it into an OrchflowError). */
export class PatternSyntaxError extends Error {
  override name = 'PatternSyntaxError';
}

const CLASS_ESCAPES = 'dDwWsS';
const CONTROL_ESCAPES: Record<string, string> = { t: '\t', n: '\n', r: '\r', f: '\f', v: '\v' };
const SPECIAL = '\\^$.|?*+()[]{}/-';

function escapeLiteral(ch: string): string {
  return SPECIAL.includes(ch) ? `\\${ch}` : ch;
}

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  parse(): Node {
    const node = this.alt();
    if (this.i < this.s.length) throw new PatternSyntaxError(`unbalanced ')' at ${this.i}`);
    return node;
  }

  private alt(): Node {
    const options = [this.seq()];
    while (this.s[this.i] === '|') {
      this.i++;
      options.push(this.seq());
    }
    return options.length === 1 ? (options[0] as Node) : { t: 'alt', options };
  }

  private seq(): Node {
    const items: Node[] = [];
    while (this.i < this.s.length && this.s[this.i] !== '|' && this.s[this.i] !== ')') {
      items.push(this.quantified(this.atom()));
    }
    return items.length === 1 ? (items[0] as Node) : { t: 'seq', items };
  }

  private atom(): Node {
    const ch = this.s[this.i] as string;
    if (ch === '(') return this.group();
    if (ch === '[') return this.charClass();
    if (ch === '\\') return this.escape();
    if (ch === '^' || ch === '$') throw new PatternSyntaxError(`anchors ('${ch}') are not supported`);
    if ('*+?{'.includes(ch)) throw new PatternSyntaxError(`nothing to repeat at ${this.i} ('${ch}')`);
    this.i++;
    if (ch === '.') return { t: 'atom', src: '.' };
    return { t: 'atom', src: escapeLiteral(ch), lit: ch };
  }

  private group(): Node {
    this.i++;
    if (this.s[this.i] === '?') {
      if (this.s[this.i + 1] !== ':') {
        throw new PatternSyntaxError('lookaround and named groups are not supported (use (?:…))');
      }
      this.i += 2;
    }
    const inner = this.alt();
    if (this.s[this.i] !== ')') throw new PatternSyntaxError("missing ')'");
    this.i++;
    return inner;
  }

  private charClass(): Node {
    const start = this.i;
    this.i++;
    if (this.s[this.i] === '^') this.i++;
    let first = true;
    while (this.i < this.s.length && (this.s[this.i] !== ']' || first)) {
      if (this.s[this.i] === ']' && first) throw new PatternSyntaxError('empty character class');
      if (this.s[this.i] === '\\') {
        const next = this.s[this.i + 1] ?? '';
        if (
          /[A-Za-z0-9]/.test(next) &&
          !CLASS_ESCAPES.includes(next) &&
          CONTROL_ESCAPES[next] === undefined
        ) {
          throw new PatternSyntaxError(`escape '\\${next}' is not supported in a class`);
        }
        this.i++;
      }
      this.i++;
      first = false;
    }
    if (this.s[this.i] !== ']') throw new PatternSyntaxError("missing ']'");
    this.i++;
    return { t: 'atom', src: this.s.slice(start, this.i) };
  }

  private escape(): Node {
    const next = this.s[this.i + 1];
    if (next === undefined) throw new PatternSyntaxError('trailing backslash');
    this.i += 2;
    if (CLASS_ESCAPES.includes(next)) return { t: 'atom', src: `\\${next}` };
    const control = CONTROL_ESCAPES[next];
    if (control !== undefined) return { t: 'atom', src: `\\${next}`, lit: control };
    if (/[A-Za-z0-9]/.test(next)) {
      throw new PatternSyntaxError(
        `escape '\\${next}' is not supported (no \\b, backreferences or code-point escapes)`,
      );
    }
    return { t: 'atom', src: escapeLiteral(next), lit: next };
  }

  private quantified(node: Node): Node {
    const ch = this.s[this.i];
    let min: number;
    let max: number;
    if (ch === '?') {
      min = 0;
      max = 1;
      this.i++;
    } else if (ch === '*' || ch === '+') {
      throw new PatternSyntaxError(`unbounded repetition '${ch}': use a bounded one such as {1,64}`);
    } else if (ch === '{') {
      const m = /^\{(\d{1,5})(,(\d{0,5}))?\}/.exec(this.s.slice(this.i));
      if (!m) throw new PatternSyntaxError(`malformed repetition at ${this.i} (escape a literal '{' as \\{)`);
      min = Number(m[1]);
      if (m[2] !== undefined && m[3] === '') {
        throw new PatternSyntaxError(
          `unbounded repetition '${m[0]}': give an upper bound such as {${min},${min + 64}}`,
        );
      }
      max = m[3] !== undefined ? Number(m[3]) : min;
      if (max < min) throw new PatternSyntaxError(`repetition ${m[0]} has its bounds reversed`);
      this.i += m[0].length;
    } else {
      return node;
    }
    if (repeats(node)) {
      throw new PatternSyntaxError(
        'a repetition inside a repetition is not allowed (it can backtrack exponentially)',
      );
    }
    // Overlapping branches under a repetition backtrack exponentially too (`(?:a|a){0,60}b`); a
    // character class says the same without branches.
    if (alternates(node)) {
      throw new PatternSyntaxError(
        'an alternation inside a repetition is not allowed (it can backtrack exponentially): use a character class',
      );
    }
    const lazy = this.s[this.i] === '?';
    if (lazy) this.i++;
    return { t: 'rep', node, min, max, lazy };
  }
}

function repeats(node: Node): boolean {
  if (node.t === 'rep') return true;
  if (node.t === 'seq') return node.items.some(repeats);
  if (node.t === 'alt') return node.options.some(repeats);
  return false;
}

function alternates(node: Node): boolean {
  if (node.t === 'alt') return true;
  if (node.t === 'seq') return node.items.some(alternates);
  return false;
}

function source(node: Node): string {
  switch (node.t) {
    case 'atom':
      return node.src;
    case 'seq':
      return node.items.map(source).join('');
    case 'alt':
      return `(?:${node.options.map(source).join('|')})`;
    case 'rep':
      return `(?:${source(node.node)}){${node.min},${node.max}}${node.lazy ? '?' : ''}`;
  }
}

// Every prefix of a match of `node`. Linear in the pattern's size: a sequence's alternatives
// nest (`a(?:b(?:c)?)?`), a repetition is "up to max-1 whole copies, then a prefix of one more".
function prefix(node: Node): string {
  switch (node.t) {
    case 'atom':
      return `(?:${node.src})?`;
    case 'alt':
      return `(?:${node.options.map(prefix).join('|')})`;
    case 'rep':
      if (node.max === 0) return '';
      return node.max === 1
        ? prefix(node.node)
        : `(?:${source(node.node)}){0,${node.max - 1}}${prefix(node.node)}`;
    case 'seq': {
      let out = '';
      for (let k = node.items.length - 1; k >= 0; k--) {
        const item = node.items[k] as Node;
        out = k === node.items.length - 1 ? prefix(item) : `(?:${prefix(item)}|${source(item)}${out})`;
      }
      return out;
    }
  }
}

function leadOf(node: Node): string {
  const items = node.t === 'seq' ? node.items : [node];
  let lead = '';
  for (const item of items) {
    if (item.t !== 'atom' || item.lit === undefined) break;
    lead += item.lit;
  }
  return lead;
}

// The items after the last wide repetition of a top-level sequence, when they start with a
// literal of at least MIN_PATTERN_LEAD characters.
function tailOf(node: Node): PatternTail | undefined {
  if (node.t !== 'seq') return undefined;
  let gap = -1;
  node.items.forEach((item, k) => {
    if (item.t === 'rep' && lengths(item)[1] >= MIN_GAP) gap = k;
  });
  if (gap === -1 || gap === node.items.length - 1) return undefined;
  const rest: Node = { t: 'seq', items: node.items.slice(gap + 1) };
  const lead = leadOf(rest);
  if (lead.length < MIN_PATTERN_LEAD) return undefined;
  const [minLength, maxLength] = lengths(rest);
  const tail: PatternTail = { lead, source: source(rest), minLength, maxLength, prefixSource: prefix(rest) };
  const gapNode = node.items[gap] as Extract<Node, { t: 'rep' }>;
  const headMax = lengths({ t: 'seq', items: node.items.slice(0, gap) })[1];
  if (gapNode.node.t === 'atom' && ANY_CHARACTER.has(gapNode.node.src) && headMax < OPEN_PREFIX_CHECK) {
    tail.openPrefixLength = headMax + gapNode.max;
  }
  return tail;
}

/** Longest match a pattern may have: what a stream may hold back for it. */
export const MAX_PATTERN_MATCH = 65_536;
/** Longest pattern source accepted. */
export const MAX_PATTERN_SOURCE = 1_000;
/** Shortest literal lead accepted: the scanner only runs a pattern where its lead occurs. */
export const MIN_PATTERN_LEAD = 2;

/** Parses and judges a pattern; throws PatternSyntaxError saying what to change. */
export function analysePattern(regex: string): PatternShape {
  if (regex.length === 0) throw new PatternSyntaxError('empty pattern');
  if (regex.length > MAX_PATTERN_SOURCE) {
    throw new PatternSyntaxError(`longer than ${MAX_PATTERN_SOURCE} characters`);
  }
  if (!/^[\x20-\x7e]*$/.test(regex)) {
    throw new PatternSyntaxError('only printable ASCII is supported (patterns match output bytes)');
  }
  const node = new Parser(regex).parse();
  const [minLength, maxLength] = lengths(node);
  if (minLength === 0) throw new PatternSyntaxError('it can match empty text');
  if (maxLength > MAX_PATTERN_MATCH) {
    throw new PatternSyntaxError(`it can match up to ${maxLength} bytes (at most ${MAX_PATTERN_MATCH})`);
  }
  const lead = leadOf(node);
  if (lead.length < MIN_PATTERN_LEAD) {
    throw new PatternSyntaxError(
      `it must start with at least ${MIN_PATTERN_LEAD} literal characters (like AKIA or gh), so output is only searched where a match can begin`,
    );
  }
  const src = source(node);
  // Sanity check of the generated sources (a parser gap would show here, not on live output).
  new RegExp(src, 'y');
  new RegExp(`^(?:${prefix(node)})$`);
  const chain = ambiguousChain(node);
  if (chain && !(chain.extra <= MAX_EXTRA_WAYS)) {
    const which = chain.ways.length > 0 ? ` (ways ${chain.ways.join(' × ')})` : '';
    throw new PatternSyntaxError(
      `repetitions that can match the same characters follow each other${which}: a failing match can take ${Math.round(chain.extra)} times one scan of the widest part (at most ${MAX_EXTRA_WAYS}), as every way they share text retries the rest of the pattern; merge them into one repetition (such as {0,24} for {0,12}{0,12}) or let them match different characters`,
    );
  }
  if (chain) {
    throw new PatternSyntaxError(
      `a failing match can take ~${Math.round(chain.steps)} steps at each lead (at most ${MAX_STEPS_PER_LEAD}): narrow its widest repetition or the ones beside it`,
    );
  }
  const tail = tailOf(node);
  if (tail) {
    new RegExp(tail.source, 'y');
    new RegExp(`^(?:${tail.prefixSource})$`);
  }
  return { lead, minLength, maxLength, source: src, prefixSource: prefix(node), ...(tail ? { tail } : {}) };
}
