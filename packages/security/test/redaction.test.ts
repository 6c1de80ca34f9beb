// Secret redaction (issue 16): literal secrets and bounded patterns become `[REDACTED:<name>]` in
// whole texts and in streams; a stream holds back only a tail that could still start a secret;
// every refused secret or pattern is refused with InvalidParams saying why.
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import { parseSecurityPolicy } from '../src/policy/schema';
import { redactorForPolicy } from '../src/redaction/policy';
import { createRedactor, type Redactor } from '../src/redaction/redactor';
import { BUILTIN_REDACTION_PATTERNS } from '../src/redaction/rules';

const GH = `ghp_${'a1B2'.repeat(9)}`;
const AWS = 'AKIAIOSFODNN7EXAMPLE';
const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\nAAAA\n-----END OPENSSH PRIVATE KEY-----';

function invalidParams(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(isOrchflowError(error) && error.code === ErrorCode.InvalidParams).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected InvalidParams');
}

function streamAll(redactor: Redactor, parts: string[]): { out: string; emitted: string[] } {
  const stream = redactor.stream();
  const emitted = parts.map((p) => stream.write(Buffer.from(p)).toString('utf8'));
  emitted.push(stream.flush().toString('utf8'));
  return { out: emitted.join(''), emitted };
}

describe('redact (whole texts)', () => {
  const redactor = createRedactor({ secrets: [{ name: 'TOKEN', value: 'tok-12345' }] });

  it('replaces literal secrets and the built-in patterns', () => {
    expect(redactor.redact(`a tok-12345 b ${AWS} c ${GH} d\n${KEY}\ne`)).toBe(
      'a [REDACTED:TOKEN] b [REDACTED:aws-access-key] c [REDACTED:github-token] d\n[REDACTED:private-key]\ne',
    );
  });

  it('leaves text without secrets as it is (the same string)', () => {
    const text = 'nothing here: AKIA-short, ghost, -----BEGIN nothing';
    expect(redactor.redact(text)).toBe(text);
  });

  it('prefers the longest match at one position, and the leftmost overall', () => {
    const r = createRedactor({
      builtins: false,
      secrets: [
        { name: 'short', value: 'abcd' },
        { name: 'long', value: 'abcdef' },
        { name: 'tail', value: 'defg' },
      ],
    });
    expect(r.redact('xabcdefg abcdx')).toBe('x[REDACTED:long]g [REDACTED:short]x');
  });

  it('redacts secrets with multi-byte characters and keeps the text around them valid UTF-8', () => {
    const r = createRedactor({ builtins: false, secrets: [{ name: 'PW', value: 'päss€wörd😀' }] });
    expect(r.redact('€€päss€wörd😀ü')).toBe('€€[REDACTED:PW]ü');
  });

  it('extends a pattern match over a character it would cut in two', () => {
    const r = createRedactor({ builtins: false, patterns: [{ name: 'id', regex: 'ID-[^ ]{4}' }] });
    // [^ ]{4} sees bytes: a, b and the first two of €'s three.
    const out = r.redactBytes(Buffer.from('ID-ab€x ok'));
    expect(out.toString('utf8')).toBe('[REDACTED:id]x ok');
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(out)).not.toThrow();
  });

  it('matches a secret as a terminal prints it: newlines as CRLF, and without surrounding whitespace', () => {
    const r = createRedactor({
      builtins: false,
      secrets: [
        { name: 'FILE_TOKEN', value: 'tok-from-file-123\n' },
        { name: 'KUBECONFIG', value: 'apiVersion: v1\nclusters: secret-cluster\n' },
      ],
    });
    // `echo "$FILE_TOKEN"` in a PTY: the value's newline (and echo's) come out as CRLF.
    expect(r.redact('a tok-from-file-123\r\n\r\nb')).toBe('a [REDACTED:FILE_TOKEN]\r\nb');
    expect(r.redact('tok-from-file-123 printed trimmed')).toBe('[REDACTED:FILE_TOKEN] printed trimmed');
    expect(r.redact('apiVersion: v1\r\nclusters: secret-cluster\r\n')).toBe('[REDACTED:KUBECONFIG]');
    expect(r.redact('apiVersion: v1\nclusters: secret-cluster')).toBe('[REDACTED:KUBECONFIG]');
  });

  it('matches a CRLF secret as the PTY prints it (\\r\\r\\n) and as cleaned output has it (\\n)', () => {
    const r = createRedactor({
      builtins: false,
      secrets: [{ name: 'WIN', value: 'line-one-secret\r\nline-two' }],
    });
    expect(r.redact('> line-one-secret\r\r\nline-two <')).toBe('> [REDACTED:WIN] <');
    expect(r.redact('> line-one-secret\nline-two <')).toBe('> [REDACTED:WIN] <');
    expect(r.redact('> line-one-secret\r\nline-two <')).toBe('> [REDACTED:WIN] <');
  });

  it("matches a secret as the terminal typed it in a command line: $'…' escapes and sh quoting", () => {
    const value = "p4ss'w\\ord-tök€n";
    const r = createRedactor({ builtins: false, secrets: [{ name: 'PW', value }] });
    // bash and zsh: `eval $'echo \'p4ss\x27w\x5cord-t\xc3\xb6k\xe2\x82\xacn\''`
    expect(r.redact("eval $'echo p4ss\\x27w\\x5cord-t\\xc3\\xb6k\\xe2\\x82\\xacn'")).toBe(
      "eval $'echo [REDACTED:PW]'",
    );
    // sh: `eval 'echo p4ss'\''w\ord-tök€n'`
    expect(r.redact("eval 'echo p4ss'\\''w\\ord-tök€n'")).toBe("eval 'echo [REDACTED:PW]'");
    expect(r.redact(`x ${value} y`)).toBe('x [REDACTED:PW] y');
  });

  it('is empty with builtins off and nothing else', () => {
    expect(createRedactor({ builtins: false }).empty).toBe(true);
    expect(createRedactor({ builtins: false }).redact(AWS)).toBe(AWS);
  });
});

describe('streams', () => {
  const redactor = createRedactor({ secrets: [{ name: 'TOKEN', value: 'tok-12345' }] });

  it('redacts a secret split across chunks, holding only the tail that could start it', () => {
    const { out, emitted } = streamAll(redactor, ['hello tok-1', '23', '45 world']);
    expect(out).toBe('hello [REDACTED:TOKEN] world');
    expect(emitted[0]).toBe('hello ');
    expect(emitted[1]).toBe('');
  });

  it('releases a held prefix that turns out not to be a secret with the next chunk', () => {
    const stream = redactor.stream();
    expect(stream.write(Buffer.from('x tok-')).toString()).toBe('x ');
    expect(stream.holding).toBe(true);
    expect(stream.write(Buffer.from('9 y')).toString()).toBe('tok-9 y');
    expect(stream.holding).toBe(false);
  });

  it("holds a pattern's lead and the tail it may grow into, not text that cannot match", () => {
    const stream = redactor.stream();
    expect(stream.write(Buffer.from('ghost AK')).toString()).toBe('ghost ');
    expect(stream.write(Buffer.from('IAIOSFODNN7')).toString()).toBe('');
    expect(stream.write(Buffer.from('EXAMPLE and gh')).toString()).toBe('[REDACTED:aws-access-key] and ');
    expect(stream.write(Buffer.from('p_')).toString()).toBe('');
    expect(stream.write(Buffer.from(`${'a1B2'.repeat(9)}!`)).toString()).toBe('[REDACTED:github-token]!');
  });

  it('flush() releases the held tail, redacting what already is a complete match', () => {
    const stream = redactor.stream();
    expect(stream.write(Buffer.from(`x ${GH}`)).toString()).toBe('x ');
    expect(stream.flush().toString()).toBe('[REDACTED:github-token]');
    expect(stream.write(Buffer.from('tok-1')).toString()).toBe('');
    expect(stream.flush().toString()).toBe('tok-1');
    expect(stream.flush().length).toBe(0);
  });

  it('redacts a private key arriving in many chunks', () => {
    const parts = `before ${KEY} after`.match(/.{1,7}/gs) as string[];
    expect(streamAll(redactor, parts).out).toBe('before [REDACTED:private-key] after');
  });

  it('redacts a legacy encrypted PEM key (Proc-Type and DEK-Info lines), as cleaned and as a PTY prints it', () => {
    const legacy = [
      '-----BEGIN RSA PRIVATE KEY-----',
      'Proc-Type: 4,ENCRYPTED',
      'DEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF',
      '',
      'c2VjcmV0IGtleSBib2R5',
      '-----END RSA PRIVATE KEY-----',
    ];
    for (const eol of ['\n', '\r\n']) {
      const text = `a\n${legacy.join(eol)}\nb`;
      expect(redactor.redact(text)).toBe('a\n[REDACTED:private-key]\nb');
      expect(streamAll(redactor, text.match(/.{1,5}/gs) as string[]).out).toBe(
        'a\n[REDACTED:private-key]\nb',
      );
    }
  });

  it('redacts a key after many headers without their END line (a grep for them), from the first header on', () => {
    const headers = Array.from({ length: 300 }, (_, i) => `k${i}.pem:-----BEGIN RSA PRIVATE KEY-----\n`).join(
      '',
    );
    const text = `before\n${headers}${KEY}\nafter`;
    // The body takes anything, so the match runs from the first header to the key's END: more
    // than the key goes, never less.
    const expected = 'before\nk0.pem:[REDACTED:private-key]\nafter';
    expect(redactor.redact(text)).toBe(expected);
    expect(streamAll(redactor, text.match(/.{1,4096}/gs) as string[]).out).toBe(expected);
  });

  it('a pattern with a wide gap decides the same in any split, with or without its tail in sight', () => {
    const gapped = createRedactor({
      builtins: false,
      patterns: [
        { name: 'any', regex: 'OPEN:[\\s\\S]{0,300}?:CLOSE' },
        { name: 'class', regex: 'FROM<[a-z\\n]{0,400}?>TO' },
      ],
    });
    const filler = (n: number) => 'abc\ndef '.repeat(n).slice(0, n);
    const texts = [
      `x OPEN:${filler(100)}:CLOSE y`,
      `OPEN:${'OPEN:'.repeat(70)}:CLOSE`,
      `OPEN:${filler(301)}:CLOSE OPEN:${filler(299)}:CLOSE`,
      `FROM<${'ab\n'.repeat(100)}>TO FROM<${'x'.repeat(500)}>TO`,
      `${'FROM<'.repeat(200)}abc>TO`,
      `OPEN:${filler(290)}:CLO`,
    ];
    for (const text of texts) {
      const whole = gapped.redact(text);
      for (const size of [1, 3, 64, 257, 1000]) {
        const parts = text.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g')) as string[];
        expect(streamAll(gapped, parts).out, `${text.slice(0, 20)} in ${size}s`).toBe(whole);
      }
    }
    expect(gapped.redact(texts[0] as string)).toBe('x [REDACTED:any] y');
    expect(gapped.redact(texts[2] as string)).toBe(`OPEN:${filler(301)}:CLOSE [REDACTED:any]`);
    expect(gapped.redact(texts[5] as string)).toBe(texts[5]);
  });

  it('redacts keys as tools print them: a removed diff, grep context, log prefixes, colour per line', () => {
    const body = [
      'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7',
      'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ==',
    ];
    const lines = ['-----BEGIN PRIVATE KEY-----', ...body, '-----END PRIVATE KEY-----'];
    const legacy = [
      '-----BEGIN RSA PRIVATE KEY-----',
      'Proc-Type: 4,ENCRYPTED',
      'DEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF',
      '',
      ...body,
      '-----END RSA PRIVATE KEY-----',
    ];
    const forms: Record<string, (line: string, i: number) => string> = {
      'a removed key in a diff': (l) => `-${l}`,
      'an added key in a diff, coloured': (l) => `\x1b[32m+${l}\x1b[m`,
      'grep -A context lines': (l, i) => (i === 0 ? `id.pem:${l}` : `id.pem-${l}`),
      'grep -nA': (l, i) => `id.pem${i === 0 ? ':' : '-'}${i + 1}${i === 0 ? ':' : '-'}${l}`,
      'docker compose logs': (l) => `myapp-web-1  | ${l}`,
      'ISO timestamps': (l) => `2024-05-01T10:00:00.000Z ${l}`,
      'cat -n': (l, i) => `${String(i + 1).padStart(6)}\t${l}`,
      'YAML indentation': (l) => `    ${l}`,
    };
    for (const key of [lines, legacy]) {
      for (const [form, shape] of Object.entries(forms)) {
        for (const eol of ['\n', '\r\n']) {
          const text = `log start${eol}${key.map(shape).join(eol)}${eol}log end`;
          const out = redactor.redact(text);
          expect(out, `${form}, ${JSON.stringify(eol)}`).toContain('[REDACTED:private-key]');
          for (const secret of body) expect(out, form).not.toContain(secret);
          expect(streamAll(redactor, text.match(/.{1,7}/gs) as string[]).out, form).toBe(out);
        }
      }
    }
  });
});

describe('validation', () => {
  it.each([
    ['AKIA[0-9]*', /unbounded repetition/],
    ['AKIA[0-9]+', /unbounded repetition/],
    ['AKIA[0-9]{3,}', /unbounded repetition/],
    ['AK(?:IA[0-9]{2}){3}', /repetition inside a repetition/],
    ['xy(?:a|a){0,60}b', /alternation inside a repetition/],
    ['tok_(?:[a-z0-9]|[a-f]){16,64}Z', /alternation inside a repetition/],
    // Runs of repetitions that can share the same letters: 13^6 ways to fail per lead.
    [
      `AB${'[A-Z]{0,12}'.repeat(6)}!`,
      /ways 13 × 13 × 13\): a failing match can take \d+ times one scan .*at most 48/,
    ],
    // Each way one run splits its text retries every later run, though a `-` settles each run:
    // 2^16 ways to fail for sixteen `x?x?-`.
    [`AB${'x?x?-'.repeat(16)}!`, /can match the same characters/],
    [`AB${'[a-z]{0,31}[a-z]{0,31}-'.repeat(3)}!`, /can match the same characters/],
    [`AB${'(?:x|x)-'.repeat(16)}!`, /can match the same characters/],
    // Nested alternatives hide a product of repetitions.
    ['AB[a-z]{0,31}(?:[a-z]{0,31}(?:[a-z]{0,31}(?:[a-z]{0,31}|-)|-)|-)!', /a failing match can take/],
    // Items of equal lengths end where the literal after them occurs, whatever its period.
    [`AB${'(?:[a-z]|[a-y])qw'.repeat(22)}!`, /can match the same characters/],
    [`AB${'(?:ab)?ab'.repeat(26)}Z`, /can match the same characters/],
    // A wide item first does not hide the splits that pile up after it.
    [`xy[a-z]{0,1000}${'(?:ab)?ab'.repeat(14)}!`, /can match the same characters/],
    // Each of 2^15 settled splits scans the fixed repetition after them.
    [`AB[0-9]{0,4095}-${'x?x?-'.repeat(15)}[a-z]{30000}`, /can match the same characters/],
    [`AB${'x?x?-'.repeat(5)}[a-z]{60000}`, /can match the same characters/],
    // Few ways, but each scans 65000 characters.
    ['AB[a-z]{0,65000}[a-z]{0,31}!', /~\d+ steps at each lead \(at most 262144\)/],
    [`AB${'[A-Z]{0,12}Q'.repeat(6)}!`, /can match the same characters/],
    ['AB[a-z]{0,40}[0-9]{0,40}[a-z]{0,40}!', /can match the same characters/],
    ['AB(?:[a-z]{0,20}|x)[a-z]{0,20}[a-z]{0,20}!', /can match the same characters/],
    // `QQ` occurs at every letter of a run of Qs: it settles nothing.
    ['AB[A-Z]{0,100}QQ[A-Z]{0,80}!', /ways 101 × 81/],
    ['(?:AK)?', /empty/],
    ['[A-Z]{4}', /2 literal characters/],
    ['a[0-9]{4}', /2 literal characters/],
    ['AK(?=IA)', /lookaround/],
    ['AK(x)\\1', /not supported/],
    ['^AKIA', /anchors/],
    ['AKIA\\b', /not supported/],
    ['AKé', /ASCII/],
    ['AK[\\s\\S]{0,70000}', /at most 65536/],
    ['AK[0-9', /missing/],
    ['AK(', /missing/],
    ['AK)', /unbalanced/],
  ])('refuses the pattern %s', (regex, reason) => {
    const message = invalidParams(() => createRedactor({ patterns: [{ name: 'p', regex }] }));
    expect(message).toMatch(reason);
    expect(message).toContain("'p'");
  });

  it('accepts repetitions a character settles between, and failing matches of at most 48 scans', () => {
    for (const regex of [
      ...BUILTIN_REDACTION_PATTERNS.map((p) => p.regex),
      'AB[a-z]{0,99}-[a-z]{0,99}-[a-z]{0,99}!',
      'AB[A-Z]{0,30}[A-Z]{0,30}!',
      // `QRS` occurs at most once per 3 characters: the second repetition starts 1/3 as often.
      'AB[A-Z]{0,100}QRS[A-Z]{0,80}!',
      // A scanner's private-key rule: the header's `{0,100}` reaches its gap only after `PRIVATE KEY`.
      '-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY-----[\\s\\S-]{64,16384}?KEY-----',
      'eyJ[A-Za-z0-9_-]{10,500}\\.eyJ[A-Za-z0-9_-]{10,1000}\\.[A-Za-z0-9_-]{10,500}',
      'xox[baprs]-[0-9A-Za-z-]{10,72}',
      'AB[\\s\\S]{0,300}?CD[A-Z]{0,32}!',
      'sk_(?:live|test)_[0-9a-zA-Z]{24,99}',
    ]) {
      expect(() => createRedactor({ patterns: [{ name: 'p', regex }] }), regex).not.toThrow();
    }
  });

  it('refuses short secrets, unsafe names and bad options', () => {
    expect(invalidParams(() => createRedactor({ secrets: [{ name: 'A', value: 'abc' }] }))).toMatch(
      /at least 4/,
    );
    expect(
      invalidParams(() => createRedactor({ secrets: [{ name: 'bad\x1b[31m', value: 'abcdef' }] })),
    ).toMatch(/name/);
    expect(
      invalidParams(() => createRedactor({ secrets: [{ name: 'B', value: 'x'.repeat(5000) }] })),
    ).toMatch(/4096/);
    expect(invalidParams(() => createRedactor(null as never))).toMatch(/object/);
    expect(invalidParams(() => createRedactor({ secrets: 'x' as never }))).toMatch(/arrays/);
  });

  it('a policy refuses an unbounded pattern when it is parsed', () => {
    expect(
      invalidParams(() => parseSecurityPolicy({ redaction: { patterns: [{ name: 'x', regex: 'xy.*' }] } })),
    ).toMatch(/redaction\.patterns\[0\]\.regex: refused pattern: unbounded/);
    expect(invalidParams(() => parseSecurityPolicy({ secrets: [{ name: 'x', value: 'ab' }] }))).toMatch(
      /secrets/,
    );
  });
});

describe('redactorForPolicy', () => {
  it('is undefined with no policy and no secretEnv (terminals keep the plain path)', () => {
    expect(redactorForPolicy([undefined])).toBeUndefined();
    expect(redactorForPolicy([parseSecurityPolicy({ redaction: { builtins: false } })])).toBeUndefined();
  });

  it("combines the policies' secrets and patterns with the terminal's secretEnv", () => {
    const policy = parseSecurityPolicy({
      secrets: [{ name: 'deploy', value: 'dpl-0000' }],
      redaction: { patterns: [{ name: 'slack', regex: 'xox[bp]-[0-9A-Za-z-]{10,60}' }] },
    });
    const r = redactorForPolicy([policy, undefined], { API_KEY: 'k-abcdef' }) as Redactor;
    expect(r.redact(`dpl-0000 k-abcdef xoxb-1234567890 ${AWS}`)).toBe(
      '[REDACTED:deploy] [REDACTED:API_KEY] [REDACTED:slack] [REDACTED:aws-access-key]',
    );
    // secretEnv alone: its values plus the built-ins.
    const own = redactorForPolicy([], { T: 'abcd1234' }) as Redactor;
    expect(own.redact(`abcd1234 ${AWS}`)).toBe('[REDACTED:T] [REDACTED:aws-access-key]');
  });
});
