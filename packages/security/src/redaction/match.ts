// Matching one rule at one position. Patterns run over the bytes as Latin-1 characters (a byte
// each, so indices are byte offsets), only over their bounded window. A match is extended over
// trailing UTF-8 continuation bytes, so a replacement never cuts a character in two; literals are
// whole UTF-8 strings and leads are ASCII, so matches start on a character boundary.
import { OPEN_PREFIX_CHECK } from './pattern-syntax';
import type { Rule, RuleTail } from './rules';

/** No match at this position. */
export const NONE = 0;
/** More bytes could change the outcome at this position (only when not final). */
export const PENDING = -1;

// Bytes past the lead looked at before a pattern's full window is.
const PROBE_BYTES = 8;
// Latin-1 text made at a time for pattern windows (a few windows' worth, at most 64 KiB): leads
// that occur often (a `grep` for key headers) reuse it instead of converting a window each.
const SEGMENT_FACTOR = 4;
const SEGMENT_BYTES = 65536;

/**
 * A tail search: the first match at or after `from` is `at` (at most `to`), or there is none in
 * `from`..`to` (`at` -1) and the tail's lead next occurs at `nextLead` (-1: nowhere after).
 */
interface TailSearch {
  from: number;
  to: number;
  at: number;
  nextLead: number;
}

/**
 * The buffer being scanned, seen as Latin-1 text for patterns' regexes. A segment is converted
 * once and sliced for every window inside it, so a scan converts each byte a few times at most
 * however many leads there are, not once per lead and window.
 */
export class ScanText {
  private start = 0;
  private text = '';
  /** Per tail, what the last search found (see {@link ScanText.tailAt}). */
  private readonly tails = new Map<RuleTail, TailSearch>();

  constructor(readonly buf: Buffer) {}

  /**
   * The first position in `from`..`until` where `tail` matches, or -1. Leads come in increasing
   * order, so the last search is kept and continued: a scan tests each occurrence of the tail's
   * lead at most once, and only within some pattern lead's reach (`until`), never the whole buffer.
   */
  tailAt(tail: RuleTail, from: number, until: number): number {
    const last = this.tails.get(tail);
    let next: number;
    if (last && last.from <= from && last.at !== -1 && last.at >= from) {
      return last.at <= until ? last.at : -1;
    }
    if (last && last.from <= from && last.at === -1) {
      // Nothing matched in last.from..last.to: continue after it.
      if (until <= last.to) return -1;
      next = last.nextLead;
    } else {
      next = this.buf.indexOf(tail.lead, from);
    }
    while (next !== -1 && next <= until) {
      if (next >= from && this.tailMatches(tail, next)) {
        this.tails.set(tail, { from, to: until, at: next, nextLead: -1 });
        return next;
      }
      next = this.buf.indexOf(tail.lead, next + 1);
    }
    this.tails.set(tail, { from, to: until, at: -1, nextLead: next });
    return -1;
  }

  private tailMatches(tail: RuleTail, at: number): boolean {
    tail.regex.lastIndex = 0;
    return tail.regex.test(this.slice(at, Math.min(this.buf.length, at + tail.maxLength)));
  }

  /** Bytes `from`..`to` as Latin-1 text. */
  slice(from: number, to: number): string {
    if (from < this.start || to > this.start + this.text.length) {
      // A few times the request, so a rare lead's probe stays cheap and frequent leads reuse it.
      const end = from + Math.max(to - from, Math.min(SEGMENT_BYTES, SEGMENT_FACTOR * (to - from)));
      this.start = from;
      this.text = this.buf.toString('latin1', from, Math.min(this.buf.length, end));
    }
    return this.text.slice(from - this.start, to - this.start);
  }
}

/** True when `buf` holds the first `length` bytes of `bytes` at `at`. */
export function startsWith(buf: Buffer, at: number, bytes: Buffer, length: number): boolean {
  return buf.compare(bytes, 0, length, at, at + length) === 0;
}

/**
 * True when `window` is the start of a match (or, for a pattern with an open gap, may be: a held
 * tail then waits for more bytes, never less safe). Its first OPEN_PREFIX_CHECK characters are
 * tested first: most held tails stop being a match's start within them. Past that, a pattern whose
 * wide gap takes any character needs only a look at its end (PatternTail.openPrefixLength);
 * others test it all.
 */
function isMatchPrefix(pattern: NonNullable<Rule['pattern']>, window: string): boolean {
  const { prefix, tail } = pattern;
  if (window.length <= OPEN_PREFIX_CHECK) return prefix.test(window);
  if (!prefix.test(window.slice(0, OPEN_PREFIX_CHECK))) return false;
  if (tail?.openPrefixLength === undefined) return prefix.test(window);
  if (window.length <= tail.openPrefixLength) return true;
  // Past the longest head and the gap, a match's tail has begun within its own length of the end.
  const first = tail.lead[0] as number;
  for (let t = Math.max(0, window.length - tail.maxLength); t < window.length; t++) {
    if (window.charCodeAt(t) === first && tail.prefix.test(window.slice(t))) return true;
  }
  return false;
}

/**
 * Outcome of pattern `rule` at `j`, where its lead is known to occur: the match length, NONE, or
 * PENDING when the window is incomplete and the tail could still grow into a match (its prefix
 * regex says so) or a match ends in a character whose rest has not arrived.
 */
export function matchPattern(rule: Rule, text: ScanText, j: number, final: boolean): number {
  const pattern = rule.pattern as NonNullable<Rule['pattern']>;
  const buf = text.buf;
  const n = buf.length;
  const next = j + rule.bytes.length;
  if (pattern.afterLead && next < n && pattern.afterLead[buf[next] as number] === 0) return NONE;
  // A few bytes after the lead usually rule a match out: every match is at least minLength long,
  // so the first min(minLength, …) bytes must be a prefix of one. Decided whatever follows.
  const probe = Math.min(pattern.minLength, rule.bytes.length + PROBE_BYTES, n - j);
  if (!pattern.prefix.test(text.slice(j, j + probe))) return NONE;
  let window: string;
  if (!final && n - j <= pattern.maxLength) {
    window = text.slice(j, n);
    if (isMatchPrefix(pattern, window)) return PENDING;
  } else {
    window = text.slice(j, Math.min(n, j + pattern.maxLength + 1));
  }
  // Every match ends with the tail: none far enough on, no match here (without the gap's scan).
  if (pattern.tail && text.tailAt(pattern.tail, next, j + window.length - pattern.tail.minLength) === -1) {
    return NONE;
  }
  pattern.regex.lastIndex = 0;
  const m = pattern.regex.exec(window);
  if (!m) return NONE;
  let len = m[0].length;
  let extended = 0;
  while (extended < 3 && j + len < n && ((buf[j + len] as number) & 0xc0) === 0x80) {
    len++;
    extended++;
  }
  return !final && extended > 0 && j + len === n ? PENDING : len;
}
