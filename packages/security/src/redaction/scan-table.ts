// The scan for many rules (hundreds of secrets): one walk over the bytes with a first-byte table,
// a second-byte check in JavaScript before any native comparison. Same decisions as scan.ts's
// needle search, which is faster while rules are few.
import { matchPattern, NONE, PENDING, ScanText, startsWith } from './match';
import type { Rule, RuleSet } from './rules';

/** Outcome at `j` over the rules starting with its byte; `best` receives the winner. */
function evaluate(rules: Rule[], text: ScanText, j: number, final: boolean, best: { rule?: Rule }): number {
  const buf = text.buf;
  const avail = buf.length - j;
  let bestLen = NONE;
  let pending = false;
  for (const rule of rules) {
    const bytes = rule.bytes;
    if (avail < bytes.length) {
      if (!final && startsWith(buf, j, bytes, avail)) pending = true;
      continue;
    }
    if (bytes.length > 1 && buf[j + 1] !== bytes[1]) continue;
    if (!startsWith(buf, j, bytes, bytes.length)) continue;
    const len = rule.pattern ? matchPattern(rule, text, j, final) : bytes.length;
    if (len === PENDING) pending = true;
    else if (len > bestLen) {
      bestLen = len;
      best.rule = rule;
    }
  }
  return pending ? PENDING : bestLen;
}

/** See scan.ts `scan`. */
export function scanByTable(set: RuleSet, buf: Buffer, final: boolean, out: Buffer[]): number {
  const n = buf.length;
  const { byFirst } = set;
  const best: { rule?: Rule } = {};
  const text = new ScanText(buf);
  let emitted = 0;
  let j = 0;
  while (j < n) {
    const rules = byFirst[buf[j] as number];
    if (rules === undefined) {
      j++;
      continue;
    }
    const outcome = evaluate(rules, text, j, final, best);
    if (outcome === PENDING) {
      if (j > emitted) out.push(buf.subarray(emitted, j));
      return j;
    }
    if (outcome === NONE) {
      j++;
      continue;
    }
    if (j > emitted) out.push(buf.subarray(emitted, j));
    out.push((best.rule as Rule).replacement);
    emitted = j + outcome;
    j = emitted;
  }
  if (n > emitted) out.push(emitted === 0 ? buf : buf.subarray(emitted, n));
  return n;
}
