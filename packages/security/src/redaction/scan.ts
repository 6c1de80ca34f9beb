// One pass of redaction over a byte buffer. Leftmost match wins; at one position the longest
// (literals before patterns on a tie). While rules are few, each literal and each pattern's lead
// is found with `Buffer.indexOf` (native substring search), so text with no secret costs one
// native search per rule; a pattern's regex runs only where its lead occurs, over its bounded
// window (match.ts). Many rules switch to one table walk (scan-table.ts).
//
// Not final (a stream, more bytes to come): a position whose outcome more bytes could still change
// — the end of the buffer is a proper prefix of a literal or lead, or a pattern's window is
// incomplete and the tail could still grow into a match — is where the scan stops; everything
// from there is held. Every earlier decision is the one the whole text would give, so any split
// of the input yields the same output as one pass over all of it.
import { matchPattern, NONE, PENDING, ScanText } from './match';
import type { Rule, RuleSet } from './rules';
import { scanByTable } from './scan-table';

// Above this many rules one table walk beats one native search per rule.
const MAX_NEEDLE_RULES = 16;

/** Ascending start positions where the buffer's end is a proper prefix of some rule's bytes. */
function partialStarts(rules: Rule[], buf: Buffer): number[] {
  const n = buf.length;
  const starts: number[] = [];
  for (const rule of rules) {
    const bytes = rule.bytes;
    const first = bytes[0];
    for (let len = Math.min(bytes.length - 1, n); len >= 1; len--) {
      const at = n - len;
      if (buf[at] === first && buf.compare(bytes, 0, len, at, n) === 0) starts.push(at);
    }
  }
  return starts.length > 1 ? [...new Set(starts)].sort((a, b) => a - b) : starts;
}

/**
 * Redacts `buf`, pushing output pieces into `out`. Returns where held bytes start (`buf.length`
 * when nothing is held, always so when `final`).
 */
export function scan(set: RuleSet, buf: Buffer, final: boolean, out: Buffer[]): number {
  const { rules } = set;
  if (rules.length > MAX_NEEDLE_RULES) return scanByTable(set, buf, final, out);
  const n = buf.length;
  const count = rules.length;
  const next = new Array<number>(count).fill(-2);
  const partials = final ? [] : partialStarts(rules, buf);
  const text = new ScanText(buf);
  let partial = 0;
  let emitted = 0;
  let from = 0;
  for (;;) {
    let j = -1;
    for (let r = 0; r < count; r++) {
      let at = next[r] as number;
      if (at !== -1 && at < from) {
        at = buf.indexOf((rules[r] as Rule).bytes, from);
        next[r] = at;
      }
      if (at !== -1 && (j === -1 || at < j)) j = at;
    }
    while (partial < partials.length && (partials[partial] as number) < from) partial++;
    const held = partial < partials.length ? (partials[partial] as number) : -1;
    if (held !== -1 && (j === -1 || held <= j)) {
      if (held > emitted) out.push(buf.subarray(emitted, held));
      return held;
    }
    if (j === -1) break;
    let bestLen = NONE;
    let best: Rule | undefined;
    let pending = false;
    for (let r = 0; r < count; r++) {
      if (next[r] !== j) continue;
      const rule = rules[r] as Rule;
      const len = rule.pattern ? matchPattern(rule, text, j, final) : rule.bytes.length;
      if (len === PENDING) pending = true;
      else if (len > bestLen) {
        bestLen = len;
        best = rule;
      }
    }
    if (pending) {
      if (j > emitted) out.push(buf.subarray(emitted, j));
      return j;
    }
    if (bestLen === NONE) {
      from = j + 1;
      continue;
    }
    if (j > emitted) out.push(buf.subarray(emitted, j));
    out.push((best as Rule).replacement);
    emitted = j + bestLen;
    from = emitted;
  }
  if (n > emitted) out.push(emitted === 0 ? buf : buf.subarray(emitted, n));
  return n;
}
