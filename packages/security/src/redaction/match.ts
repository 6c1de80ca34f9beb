// Matching one rule at one position. Patterns run over the bytes as Latin-1 characters (a byte
// each, so indices are byte offsets), only over their bounded window. A match is extended over
// trailing UTF-8 continuation bytes, so a replacement never cuts a character in two; literals are
// whole UTF-8 strings and leads are ASCII, so matches start on a character boundary.
import type { Rule } from './rules';

/** No match at this position. */
export const NONE = 0;
/** More bytes could change the outcome at this position (only when not final). */
export const PENDING = -1;

// Bytes past the lead looked at before a pattern's full window is.
const PROBE_BYTES = 8;

/** True when `buf` holds the first `length` bytes of `bytes` at `at`. */
export function startsWith(buf: Buffer, at: number, bytes: Buffer, length: number): boolean {
  return buf.compare(bytes, 0, length, at, at + length) === 0;
}

/**
 * Outcome of pattern `rule` at `j`, where its lead is known to occur: the match length, NONE, or
 * PENDING when the window is incomplete and the tail could still grow into a match (its prefix
 * regex says so) or a match ends in a character whose rest has not arrived.
 */
export function matchPattern(rule: Rule, buf: Buffer, j: number, final: boolean): number {
  const pattern = rule.pattern as NonNullable<Rule['pattern']>;
  const n = buf.length;
  const next = j + rule.bytes.length;
  if (pattern.afterLead && next < n && pattern.afterLead[buf[next] as number] === 0) return NONE;
  // A few bytes after the lead usually rule a match out: every match is at least minLength long,
  // so the first min(minLength, …) bytes must be a prefix of one. Decided whatever follows.
  const probe = Math.min(pattern.minLength, rule.bytes.length + PROBE_BYTES, n - j);
  if (!pattern.prefix.test(buf.toString('latin1', j, j + probe))) return NONE;
  let window: string;
  if (!final && n - j <= pattern.maxLength) {
    window = buf.toString('latin1', j, n);
    if (pattern.prefix.test(window)) return PENDING;
  } else {
    window = buf.toString('latin1', j, Math.min(n, j + pattern.maxLength + 1));
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
