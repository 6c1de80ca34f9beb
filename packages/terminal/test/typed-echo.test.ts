// The echo of a typed line cut out of the held bytes and replaced with the command as written,
// and every fallback that shows the held bytes as they came (display-echo.test.ts: real shells).
import { afterEach, describe, expect, test, vi } from 'vitest';
import { displayCommand, findEchoes, TypedEcho } from '../src/exec/typed-echo';

const TOKEN = 'c0ffee';
const LINE = `__orchflow_arm ${TOKEN} 2>/dev/null; eval $'echo hi'`;
const ANCHOR = `__orchflow_arm ${TOKEN}`;

/** A TypedEcho whose emitted bytes are collected as text. */
function echo(holdMs?: number): { typed: TypedEcho; out: () => string } {
  const chunks: string[] = [];
  const typed = new TypedEcho((bytes) => chunks.push(Buffer.from(bytes).toString('latin1')), holdMs);
  return { typed, out: () => chunks.join('') };
}

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

afterEach(() => {
  vi.useRealTimers();
});

describe('displayCommand', () => {
  test('lines end in CRLF; C0, DEL and C1 controls in caret notation; TAB and text kept', () => {
    expect(displayCommand('a\tb\nc\x1b[2J\x00\x7f\u009b é').toString('utf8')).toBe(
      'a\tb\r\nc^[[2J^@^?M-^[ é',
    );
  });
});

describe('findEchoes', () => {
  test("zle's echo: starts at its first character drawn and backed over, ends after the Enter", () => {
    const prompt = '\r\x1b[J# \x1b[K\x1b[?2004h';
    const zle = `_\b__orchflow_arm ${TOKEN} 2>/dev/nul \r\x1b[Kl\rl; eval $'echo hi'\x1b[?2004l\r\r\n`;
    const held = bytes(`${prompt}${zle}PS0`);
    expect(findEchoes(held, LINE, ANCHOR)).toEqual([
      { start: prompt.length, end: prompt.length + zle.length },
    ]);
  });

  test("the tty's echo before the line editor's: both found", () => {
    const tty = `${LINE}\r\n`;
    const held = bytes(`${tty}# ${LINE}\r\n`);
    expect(findEchoes(held, LINE, ANCHOR)).toEqual([
      { start: 0, end: tty.length },
      { start: tty.length + 2, end: held.length },
    ]);
  });

  test("sh's tty echoes each newline of the line", () => {
    const line = `{ __orchflow_arm ${TOKEN}; } 2>/dev/null; eval 'echo a\necho b'`;
    const held = bytes(`${line.replace('\n', '\r\n')}\r\nrest`);
    expect(findEchoes(held, line, `{ ${ANCHOR}`)).toEqual([{ start: 0, end: held.length - 4 }]);
  });

  test('no echo, or one that has not ended: undefined', () => {
    expect(findEchoes(bytes('# '), LINE, ANCHOR)).toBeUndefined();
    expect(findEchoes(bytes(`# ${LINE}`), LINE, ANCHOR)).toBeUndefined();
  });
});

describe('TypedEcho', () => {
  test('at the start marker: the prompt, the command as written, mode switches, then what followed', () => {
    const { typed, out } = echo();
    typed.begin(LINE, TOKEN, 'echo hi');
    typed.hold(bytes('# \x1b[?2004h'));
    typed.hold(bytes(`${LINE}\x1b[?2004l\r`));
    typed.hold(bytes('\r\nps0'));
    expect(out()).toBe('');
    typed.show();
    expect(out()).toBe('# \x1b[?2004hecho hi\x1b[?2004l\r\nps0');
    expect(typed.holding).toBe(false);
  });

  test('released: everything held goes out as it came, once', () => {
    const { typed, out } = echo();
    typed.begin(LINE, TOKEN, 'echo hi');
    typed.hold(bytes(`# ${LINE}`));
    typed.hold(bytes('\r\n^C'));
    typed.release();
    typed.show();
    typed.release();
    expect(out()).toBe(`# ${LINE}\r\n^C`);
  });

  test('no echo found at the start marker: shown as it came', () => {
    const { typed, out } = echo();
    typed.begin(LINE, TOKEN, 'echo hi');
    typed.hold(bytes('something else\r\n'));
    typed.show();
    expect(out()).toBe('something else\r\n');
  });

  test('more bytes than an echo can be: released at once', () => {
    const { typed, out } = echo();
    typed.begin(LINE, TOKEN, 'echo hi');
    const flood = 'z'.repeat(4 * LINE.length + 8192);
    typed.hold(bytes(flood.slice(0, 100)));
    expect(out()).toBe('');
    typed.hold(bytes(flood.slice(100)));
    expect(out()).toBe('');
    typed.hold(bytes('z'));
    expect(out()).toBe(`${flood}z`);
    expect(typed.holding).toBe(false);
  });

  test('no start marker within the hold time: released', () => {
    vi.useFakeTimers();
    const { typed, out } = echo(1000);
    typed.begin(LINE, TOKEN, 'echo hi');
    typed.hold(bytes(LINE));
    vi.advanceTimersByTime(999);
    expect(out()).toBe('');
    vi.advanceTimersByTime(1);
    expect(out()).toBe(LINE);
    expect(typed.holding).toBe(false);
  });

  test('a new line typed while one is held releases the first', () => {
    const { typed, out } = echo();
    typed.begin(LINE, TOKEN, 'echo hi');
    typed.hold(bytes('first'));
    typed.begin(LINE.replace(TOKEN, 'beef'), 'beef', 'echo two');
    expect(out()).toBe('first');
    expect(typed.holding).toBe(true);
  });
});
