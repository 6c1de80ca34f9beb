// Property test of streaming redaction (issue 16): random text built from secrets, partial
// secrets, built-in pattern matches and filler with multi-byte characters, cut into random byte
// chunks (cuts inside characters included). Without flushes the concatenated stream output equals
// redacting the whole text at once and contains no secret; with flushes at random points (the
// owner's timer) the output is still valid UTF-8. Fixed seed: CI runs the same inputs every time.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRedactor } from '../src/redaction/redactor';

const SEED = 20_261_202;
// Secrets use no character of `[REDACTED:S0]` (so none can reappear next to a replacement) nor of a
// pattern's lead (a secret overlapping a key's header would, rightly, win over the key).
const secretChar = fc.constantFrom('a', 'b', 'x', 'é', '€', '😀', 'z');
const fillerChar = fc.constantFrom(
  'a',
  'b',
  'x',
  ' ',
  '\n',
  'é',
  '€',
  '😀',
  'A',
  'K',
  'I',
  'g',
  'h',
  'p',
  '_',
  '-',
  '1',
);
const secretValue = fc.string({ unit: secretChar, minLength: 4, maxLength: 10 });
const filler = fc.string({ unit: fillerChar, maxLength: 12 });
const alnum = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefxyz');
const aws = fc
  .string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'), minLength: 16, maxLength: 16 })
  .map((s) => `AKIA${s}`);
const gh = fc.string({ unit: alnum, minLength: 36, maxLength: 40 }).map((s) => `ghs_${s}`);
const key = fc
  .string({ unit: alnum, maxLength: 30 })
  .map((s) => `-----BEGIN EC PRIVATE KEY-----\n${s}\n-----END EC PRIVATE KEY-----`);

const scenario = secretValue.chain((s0) =>
  secretValue.chain((s1) => {
    const secrets = [s0, s1];
    const piece = fc.oneof(
      filler,
      fc.constantFrom(...secrets),
      // A partial secret: its start, cut anywhere.
      fc
        .tuple(fc.constantFrom(...secrets), fc.nat())
        .map(([s, n]) => [...s].slice(0, n % [...s].length).join('')),
      aws,
      gh,
      key,
      fc.constantFrom('AKIA', 'gh', 'ghp_', '-----BEGIN ', '-----BEGIN RSA PRIVATE KEY-----\n'),
    );
    return fc.record({
      secrets: fc.constant(secrets),
      text: fc.array(piece, { maxLength: 14 }).map((parts) => parts.join('')),
      cuts: fc.array(fc.nat(), { maxLength: 12 }),
      flushes: fc.array(fc.nat(), { maxLength: 4 }),
    });
  }),
);

function chunks(bytes: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let last = 0;
  for (const c of [...at, bytes.length]) {
    out.push(bytes.subarray(last, c));
    last = c;
  }
  return out;
}

// Extra secrets that never occur: with them the scan takes its many-rules path (a table walk).
const padding = Array.from({ length: 20 }, (_, i) => ({ name: `P${i}`, value: `qq${i}qq` }));

describe.each([
  ['few rules (native search per rule)', 0],
  ['many rules (table walk)', padding.length],
])('streaming redaction, %s', (_, pad) => {
  it('gives the one-shot result for any split, with no secret left and valid UTF-8', () => {
    fc.assert(
      fc.property(scenario, ({ secrets, text, cuts }) => {
        const redactor = createRedactor({
          secrets: [...secrets.map((value, i) => ({ name: `S${i}`, value })), ...padding.slice(0, pad)],
        });
        const bytes = Buffer.from(text, 'utf8');
        const whole = redactor.redactBytes(bytes);
        const stream = redactor.stream();
        const out = Buffer.concat([...chunks(bytes, cuts).map((c) => stream.write(c)), stream.flush()]);
        expect(out.equals(whole)).toBe(true);
        const decoded = new TextDecoder('utf-8', { fatal: true }).decode(out);
        for (const secret of secrets) expect(decoded).not.toContain(secret);
        expect(decoded).not.toMatch(/AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36}|-----END EC PRIVATE KEY/);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('keeps UTF-8 valid when the owner flushes at arbitrary points', () => {
    fc.assert(
      fc.property(scenario, ({ secrets, text, cuts, flushes }) => {
        const redactor = createRedactor({
          secrets: [...secrets.map((value, i) => ({ name: `S${i}`, value })), ...padding.slice(0, pad)],
        });
        const bytes = Buffer.from(text, 'utf8');
        const stream = redactor.stream();
        const flushAt = new Set(flushes.map((f) => f % (cuts.length + 1)));
        const out: Buffer[] = [];
        chunks(bytes, cuts).forEach((chunk, i) => {
          out.push(stream.write(chunk));
          if (flushAt.has(i)) out.push(stream.flush());
        });
        out.push(stream.flush());
        expect(() => new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(out))).not.toThrow();
      }),
      { seed: SEED + 1, numRuns: 800 },
    );
  });
});
