// Unit tests of the pure pieces of execute(): the streaming marker parser, output cleaning,
// head+tail capture and command encoding.
import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { OutputCapture } from '../src/exec/capture';
import { cleanTerminalOutput, stripAnsi } from '../src/exec/clean';
import {
  ansiCQuote,
  encodeCommand,
  INLINE_COMMAND_LIMIT,
  singleQuote,
  TYPED_LINE_LIMIT,
} from '../src/exec/encode';
import { MarkerParser, type ParsedPiece } from '../src/exec/marker-parser';
import { createNonce, decodeCwdField } from '../src/shell-integration/marker-format';

const nonce = createNonce();
const other = createNonce();
const osc = (body: string): string => `\x1b]633;${body}\x07`;

function parseInChunks(
  parser: MarkerParser,
  input: Buffer,
  size: number,
): { text: string; markers: unknown[] } {
  const pieces: ParsedPiece[] = [];
  for (let i = 0; i < input.length; i += size) pieces.push(...parser.feed(input.subarray(i, i + size)));
  const tail = parser.flush();
  const data: Buffer[] = [];
  const markers: unknown[] = [];
  for (const p of pieces) {
    if (p.type === 'data') data.push(Buffer.from(p.bytes));
    else markers.push(p.marker);
  }
  data.push(Buffer.from(tail));
  return { text: Buffer.concat(data).toString('utf8'), markers };
}

describe('MarkerParser', () => {
  const stream = Buffer.from(
    `prompt$ ${osc(`C;${nonce};a1`)}héllo\r\n${osc(`D;${nonce};a1;42;%2Ftmp%2Fa%20b`)}$ `,
  );

  test.each([1, 2, 3, 7, 64, 10_000])(
    'strips valid markers and reports them with chunks of %i bytes',
    (size) => {
      const { text, markers } = parseInChunks(new MarkerParser(nonce), stream, size);
      expect(text).toBe('prompt$ héllo\r\n$ ');
      expect(markers).toEqual([
        { kind: 'start', token: 'a1' },
        { kind: 'done', token: 'a1', status: 42, cwd: '/tmp/a b' },
      ]);
    },
  );

  test('markers with a wrong but plausible nonce pass through unchanged', () => {
    const fake = `x${osc(`D;${other};0;0;%2F`)}y${osc(`C;${other};0`)}${osc(`C;${nonce.slice(0, 31)};0`)}${osc('D')}z`;
    for (const size of [1, 5, 1000]) {
      const { text, markers } = parseInChunks(new MarkerParser(nonce), Buffer.from(fake), size);
      expect(text).toBe(fake);
      expect(markers).toEqual([]);
    }
  });

  test('markers without the key pass through; keyed ones with bad fields are swallowed, never shown', () => {
    const keyless = `${osc('D;;0;')}${osc('C')}${osc('Q;x')}`;
    expect(parseInChunks(new MarkerParser(nonce), Buffer.from(keyless), 3)).toEqual({
      text: keyless,
      markers: [],
    });
    const bad = [
      osc(`D;${nonce};a1;notanumber;x`),
      osc(`C;${nonce};a1;extra`),
      osc(`C;${nonce};NOTHEX`),
      osc(`D;${nonce};7;%2F`),
      `\x1b]633;D;${nonce};a1;0;/tmp/\x1b[31mother program\x07`,
    ];
    for (const size of [1, 3, 1000]) {
      const { text, markers } = parseInChunks(
        new MarkerParser(nonce),
        Buffer.from(`a${bad.join('b')}c`),
        size,
      );
      expect(text).toBe('abbbbc');
      expect(markers).toEqual(bad.map(() => ({ kind: 'garbled' })));
    }
    // Without a BEL in reach the marker is cut at the cap; what follows has no key in it.
    const long = Buffer.from(`${osc(`D;${nonce};a1;0;`).slice(0, -1)}${'x'.repeat(70_000)}\x07z`);
    const { text, markers } = parseInChunks(new MarkerParser(nonce), long, 4096);
    expect(text).not.toContain(nonce);
    expect(markers).toEqual([{ kind: 'garbled' }]);
  });

  test('the key request is recognised only while the parser is told to expect it', () => {
    const parser = new MarkerParser(nonce);
    const request = osc('K');
    expect(parseInChunks(parser, Buffer.from(`a${request}b`), 1)).toEqual({
      text: `a${request}b`,
      markers: [],
    });
    parser.acceptKeyRequest = true;
    expect(parseInChunks(parser, Buffer.from(`a${request}b${osc('Kx')}`), 1)).toEqual({
      text: `ab${osc('Kx')}`,
      markers: [{ kind: 'keyRequest' }],
    });
  });

  test('holds back only a possible marker prefix, and releases it at flush', () => {
    const parser = new MarkerParser(nonce);
    const pieces = parser.feed(Buffer.from(`abc\x1b]633;C;${nonce.slice(0, 10)}`));
    expect(pieces).toEqual([{ type: 'data', bytes: Buffer.from('abc') }]);
    expect(Buffer.from(parser.flush()).toString()).toBe(`\x1b]633;C;${nonce.slice(0, 10)}`);
    // Other escape sequences are never held.
    const csi = parser.feed(Buffer.from('\x1b[31mred'));
    expect(Buffer.concat(csi.map((p) => (p.type === 'data' ? p.bytes : Buffer.alloc(0)))).toString()).toBe(
      '\x1b[31mred',
    );
  });

  test('decodes percent-encoded UTF-8 cwds', () => {
    expect(decodeCwdField('/tmp/d%20%C3%A9%3Bx')).toBe('/tmp/d é;x');
    expect(decodeCwdField('/plain/path')).toBe('/plain/path');
  });
});

describe('cleanTerminalOutput', () => {
  test('strips CSI, OSC, charset and keypad escapes', () => {
    expect(stripAnsi('\x1b[1;31mred\x1b[0m \x1b]0;title\x07t \x1b(Bx\x1b=\x1b]8;;http://a\x1b\\link')).toBe(
      'red t xlink',
    );
  });

  test('an unterminated OSC or DCS ends at a control character instead of eating the output', () => {
    expect(cleanTerminalOutput('\x1b]0;title\n1\n2\n')).toBe('\n1\n2\n');
    expect(cleanTerminalOutput('\x1b]0;tit\x1b[31mred')).toBe('red');
    expect(cleanTerminalOutput('a\x1b]0;ab\x18cd')).toBe('acd');
    expect(cleanTerminalOutput('\x1bPq#0;2\nafter')).toBe('\nafter');
    expect(cleanTerminalOutput('\x1b]0;ti\x9ctle\x07ok')).toBe('ok');
  });

  test('turns CRLF into LF and applies lone CR and backspace like a screen', () => {
    expect(cleanTerminalOutput('a\r\nb\r\r\nc')).toBe('a\nb\nc');
    expect(cleanTerminalOutput('10%\r50%\r100%\r\ndone')).toBe('100%\ndone');
    expect(cleanTerminalOutput('abcdef\rXY\r\n')).toBe('XYcdef\n');
    expect(cleanTerminalOutput('ab\bc\n')).toBe('ac\n');
    expect(cleanTerminalOutput('tab\there\x07\n')).toBe('tab\there\n');
  });
});

describe('OutputCapture', () => {
  test('keeps everything within the budget', () => {
    const c = new OutputCapture(100);
    c.append(Buffer.from('hello '));
    c.append(Buffer.from('world'));
    expect(c.result()).toEqual({ text: 'hello world', truncated: false, totalBytes: 11 });
  });

  test('keeps head and tail beyond the budget, on character boundaries', () => {
    const c = new OutputCapture(40);
    c.append(Buffer.from('HEAD-'.repeat(2)));
    for (let i = 0; i < 1000; i++) c.append(Buffer.from('ééé-middle-'));
    c.append(Buffer.from('-TAIL€€'));
    const r = c.result();
    expect(r.truncated).toBe(true);
    expect(r.text.startsWith('HEAD-HEAD-')).toBe(true);
    expect(r.text.endsWith('-TAIL€€')).toBe(true);
    expect(r.text).not.toContain('\ufffd');
    expect(r.text).toMatch(/bytes of output omitted/);
  });
});

describe('encodeCommand', () => {
  const bash = (script: string): string => execFileSync('bash', ['-c', script]).toString();

  test('ANSI-C quoting round-trips every byte through bash', () => {
    const text = 'multi\nline \'q\' "dq" \\ $HOME `x` \t tab é 😀 \x1b]633;A;x\x07 \x03 \x7f !';
    const out = bash(`printf %s ${ansiCQuote(text)}`);
    expect(out).toBe(text);
    expect(ansiCQuote(text)).toMatch(/^\$'[\x20-\x7e]*'$/);
  });

  test('single quoting round-trips through sh', () => {
    const text = 'it\'s a "test" $HOME\nline2';
    expect(execFileSync('sh', ['-c', `printf %s ${singleQuote(text)}`]).toString()).toBe(text);
  });

  test('one line for bash; long or control-character commands go to a file', () => {
    const files: string[] = [];
    const write = (t: string): string => {
      files.push(t);
      return `/tmp/x/command-${files.length}`;
    };
    expect(encodeCommand('bash', 'echo hi\necho there', 'c0ffee', write)).toEqual({
      line: "__orchflow_arm c0ffee 2>/dev/null; eval $'echo hi\\necho there'",
      file: undefined,
    });
    const long = `echo ${'x'.repeat(INLINE_COMMAND_LIMIT)}`;
    expect(encodeCommand('zsh', long, 'c0ffee', write)).toEqual({
      line: `__orchflow_arm c0ffee 2>/dev/null; eval "$(<'/tmp/x/command-1')"`,
      file: '/tmp/x/command-1',
    });
    const arm = '{ __orchflow_arm 7; } 2>/dev/null; ';
    expect(encodeCommand('sh', "echo 'a'", '7', write).line).toBe(`${arm}eval 'echo '\\''a'\\'''`);
    expect(encodeCommand('sh', 'printf "a\tb"', '7', write).line).toBe(`${arm}. '/tmp/x/command-2'`);
    expect(files).toEqual([long, 'printf "a\tb"']);
    expect(() => encodeCommand('bash', 'a\0b', '7', write)).toThrow(/NUL/);
    // The token is typed into the shell: only hex is ever accepted.
    expect(() => encodeCommand('bash', 'true', '1; rm x', write)).toThrow(/token/);
  });

  test("a command's env: typed after the token, or through the env file when typing is dear or too long", () => {
    const written: string[] = [];
    const handOff = (typed: boolean) => ({
      typed,
      write: (text: string) => {
        written.push(text);
        return { id: 1, path: '/tmp/x/env-1' };
      },
    });
    const env = { TRACEPARENT: '00-ab-cd-01', TS: "a'b c" };
    const typedArm = "__orchflow_arm c0ffee TRACEPARENT $'00-ab-cd-01' TS $'a\\x27b c' 2>/dev/null; ";
    expect(encodeCommand('bash', 'true', 'c0ffee', () => '', env, handOff(true)).line).toBe(
      `${typedArm}eval $'true'`,
    );
    expect(encodeCommand('zsh', 'true', 'c0ffee', () => '', env).line).toBe(`${typedArm}eval $'true'`);
    expect(written).toEqual([]);
    const fileArm = '__orchflow_arm c0ffee 1 2>/dev/null; ';
    expect(encodeCommand('zsh', 'true', 'c0ffee', () => '', env, handOff(false)).line).toBe(
      `${fileArm}eval $'true'`,
    );
    // 400 characters of é: 800 bytes, each typed as \xHH — over TYPED_ENV_LIMIT, so the file.
    const wide = { V: 'é'.repeat(400) };
    expect(encodeCommand('bash', 'true', 'c0ffee', () => '', wide, handOff(true)).line).toBe(
      `${fileArm}eval $'true'`,
    );
    expect(written).toEqual(["TRACEPARENT=00-ab-cd-01\nTS=a'b c\n.\n", `V=${'é'.repeat(400)}\n.\n`]);
    expect(() => encodeCommand('bash', 'true', 'c0ffee', () => '', { 'A B': 'x' })).toThrow(/variable name/);
    expect(encodeCommand('sh', 'true', '7', () => '', { A: "x'y" }).line).toBe(
      "{ __orchflow_arm 7; } 2>/dev/null; A='x'\\''y' command eval 'true'",
    );
  });

  test('bash: a W3C traceparent is a prefix assignment of the eval when typed; the rest goes to the arm', () => {
    const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const typed = { typed: true, write: () => ({ id: 1, path: '/tmp/x/env-1' }) };
    const fileOnly = { ...typed, typed: false };
    expect(encodeCommand('bash', 'true', 'c0ffee', () => '', { TRACEPARENT: tp }, typed).line).toBe(
      `__orchflow_arm c0ffee ${tp} 2>/dev/null; TRACEPARENT=$__orchflow_tp command eval $'true'`,
    );
    expect(
      encodeCommand('bash', 'true', 'c0ffee', () => '', { TRACEPARENT: tp, TS: 'k=v' }, typed).line,
    ).toBe(
      `__orchflow_arm c0ffee ${tp} TS $'k=v' 2>/dev/null; TRACEPARENT=$__orchflow_tp command eval $'true'`,
    );
    // A long command is read from its file by the same prefixed eval.
    const long = encodeCommand(
      'bash',
      'x'.repeat(3000),
      'c0ffee',
      () => '/tmp/x/c',
      { TRACEPARENT: tp },
      typed,
    );
    expect(long.line).toBe(
      `__orchflow_arm c0ffee ${tp} 2>/dev/null; TRACEPARENT=$__orchflow_tp command eval "$(<'/tmp/x/c')"`,
    );
    // Other variables too long to type: all of them through the env file, the traceparent too.
    const wide = encodeCommand(
      'bash',
      'true',
      'c0ffee',
      () => '',
      { TRACEPARENT: tp, V: 'é'.repeat(400) },
      typed,
    );
    expect(wide.line).toBe("__orchflow_arm c0ffee 1 2>/dev/null; eval $'true'");
    // With a line editor (typing is dear), in zsh, or with any other value: the arm, as before.
    for (const [kind, env, handOff] of [
      ['bash', { TRACEPARENT: tp }, fileOnly],
      ['zsh', { TRACEPARENT: tp }, typed],
      ['bash', { TRACEPARENT: tp.toUpperCase() }, typed],
      ['bash', { TRACEPARENT: `${tp}-x` }, typed],
    ] as const) {
      expect(encodeCommand(kind, 'true', 'c0ffee', () => '', env, handOff).line).not.toContain(
        'command eval',
      );
    }
  });

  test('sh: a line the tty would cut (cooked mode, 4095 bytes) is never typed', () => {
    const write = () => '/tmp/x/command-1';
    // 500 quotes become 2000 bytes quoted; with a 2000-byte command the line would be over 4000.
    const env = { TRACESTATE: "'".repeat(500) };
    const command = `echo ${'y'.repeat(1990)}`;
    const { line, file } = encodeCommand('sh', command, '7', write, env);
    expect(file).toBe('/tmp/x/command-1');
    expect(line.endsWith(". '/tmp/x/command-1'")).toBe(true);
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(TYPED_LINE_LIMIT);
    // Values that alone fill the line are refused rather than typed cut short.
    const huge = { A: "'".repeat(1000) };
    expect(() => encodeCommand('sh', 'true', '7', write, huge)).toThrow(/does not fit/);
  });
});

describe('cleanTerminalOutput: spinners and progress bars', () => {
  test('an npm/ora-style spinner (column 1, erase line) leaves only its last frame', () => {
    const frames = ['⠋', '⠙', '⠹', '⠸'].map((f) => `\x1b[1G\x1b[0K${f} installing`).join('');
    expect(cleanTerminalOutput(`${frames}\x1b[1G\x1b[0Kadded 3 packages\n`)).toBe('added 3 packages\n');
    expect(cleanTerminalOutput(`${frames}\x1b[2K\x1b[Gdone\n`)).toBe('done\n');
  });

  test('a colored \\r progress bar keeps its final state and text around it', () => {
    const bar = [10, 50, 100]
      .map((p) => `\r\x1b[32m${'#'.repeat(p / 10).padEnd(10, '.')}\x1b[0m ${p}%`)
      .join('');
    expect(cleanTerminalOutput(`before\n${bar}\nafter\n`)).toBe('before\n########## 100%\nafter\n');
  });

  test('cursor moves and erases within a line behave like a screen', () => {
    expect(cleanTerminalOutput('abcdef\x1b[3D\x1b[KXY\n')).toBe('abcXY\n');
    expect(cleanTerminalOutput('ab\x1b[3Ccd\n')).toBe('ab   cd\n');
    expect(cleanTerminalOutput('abcdef\x1b[4G\x1b[1Kz\n')).toBe('   zef\n');
    expect(cleanTerminalOutput('x\x1b[99999C\x1b[99999Dy\n')).toBe('y\n');
  });

  test('noncharacters in real output are not mistaken for line edits', () => {
    expect(cleanTerminalOutput('a\ufdd02K\ufdd1b\n')).toBe('a2Kb\n');
  });
});
