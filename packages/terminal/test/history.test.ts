// Terminal.history() on real bash PTYs and pipes: execute()s and lines typed at the prompt with
// `write()` are recorded in order with source, exit code, duration and cwd; input typed while a
// command runs is that command's, not a command; scripted mode records its executes; the ring
// keeps the newest 200; and keystroke editing is applied to a typed line.
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { describe, expect, test } from 'vitest';
import { type CommandEvent, CommandHistory } from '../src/history/command-history';
import { TypedLines } from '../src/history/typed-lines';
import type { Terminal } from '../src/terminal';
import { terminalFixture } from './fixture';

const { dir, spawn } = terminalFixture('history');

/** Resolves with the next `end` event of a command with this source. */
function nextEnd(t: Terminal, source: 'typed' | 'execute'): Promise<CommandEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${source} command ended`)), 30_000);
    const stop = t.onCommand((event) => {
      if (event.type !== 'end' || event.record.source !== source) return;
      clearTimeout(timer);
      stop.dispose();
      resolve(event);
    });
  });
}

describe('a PTY terminal', { timeout: 60_000 }, () => {
  test('records two executes and a command typed through write, in order, with exit codes and durations', async () => {
    const t = await spawn();
    expect(t.history()).toEqual([]);
    await t.execute('echo one');
    await t.execute('sleep 0.3; (exit 3)');
    const typedEnded = nextEnd(t, 'typed');
    t.write('echo typed; false\r');
    // Recorded as soon as the line is typed, without an exit code while it runs.
    expect(t.history().at(-1)).toMatchObject({ command: 'echo typed; false', source: 'typed' });
    await typedEnded;
    const history = t.history();
    expect(history.map(({ command, source, exitCode }) => ({ command, source, exitCode }))).toEqual([
      { command: 'echo one', source: 'execute', exitCode: 0 },
      { command: 'sleep 0.3; (exit 3)', source: 'execute', exitCode: 3 },
      { command: 'echo typed; false', source: 'typed', exitCode: 1 },
    ]);
    expect(history[1]?.durationMs).toBeGreaterThanOrEqual(280);
    for (const record of history) {
      expect(record.durationMs).toBeGreaterThanOrEqual(0);
      expect(record.cwd).toBe(dir());
    }
    const starts = history.map((r) => Date.parse(r.startedAt));
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(t.history(2).map((r) => r.command)).toEqual(['sleep 0.3; (exit 3)', 'echo typed; false']);
  });

  test('answers typed to a running command are its input, not commands', async () => {
    const t = await spawn();
    const run = t.execute('read answer; echo "got $answer"', { timeoutMs: 30_000 });
    // Typed ahead of the `read`, the line could be dropped as the shell switches terminal modes.
    await expect.poll(() => t.activity().activity, { timeout: 20_000 }).toBe('awaiting_input');
    t.write('not-a-command\r');
    expect((await run).stdout).toContain('got not-a-command\n');
    // A command typed by hand that reads: its answer is not a command either.
    const typedEnded = nextEnd(t, 'typed');
    t.write('head -n 1 >/dev/null; (exit 7)\r');
    await expect.poll(() => t.activity().activity, { timeout: 20_000 }).toBe('awaiting_input');
    t.write('also-not-a-command\r');
    expect((await typedEnded).record).toMatchObject({ exitCode: 7, source: 'typed' });
    expect(t.history().map((r) => r.command)).toEqual([
      'read answer; echo "got $answer"',
      'head -n 1 >/dev/null; (exit 7)',
    ]);
  });

  test('an empty line typed at the prompt is no command', async () => {
    const t = await spawn();
    t.write('\r');
    await t.execute('true');
    expect(t.history().map((r) => r.command)).toEqual(['true']);
  });
});

describe('a scripted terminal', { timeout: 60_000 }, () => {
  test('records its executes with exit codes', async () => {
    const t = await spawn('scripted');
    await t.execute('echo a');
    await t.execute('exit 4');
    expect(t.history().map(({ command, exitCode, source }) => ({ command, exitCode, source }))).toEqual([
      { command: 'echo a', exitCode: 0, source: 'execute' },
      { command: 'exit 4', exitCode: 4, source: 'execute' },
    ]);
  });

  test('refuses a limit outside 1..1000 with InvalidParams', async () => {
    const t = await spawn('scripted');
    for (const limit of [0, 1001, 1.5]) {
      let error: unknown;
      try {
        t.history(limit);
      } catch (e) {
        error = e;
      }
      expect(isOrchflowError(error) && error.code).toBe(ErrorCode.InvalidParams);
    }
  });
});

describe('CommandHistory', () => {
  test('keeps the newest 200 commands, oldest first', () => {
    const history = new CommandHistory();
    for (let i = 0; i < 250; i++) history.start(`cmd ${i}`, 'execute').end(0);
    const all = history.list(1000);
    expect(all).toHaveLength(200);
    expect(all[0]?.command).toBe('cmd 50');
    expect(all.at(-1)?.command).toBe('cmd 249');
    expect(history.list()).toHaveLength(100);
    expect(history.list(3).map((r) => r.command)).toEqual(['cmd 247', 'cmd 248', 'cmd 249']);
  });

  test('a running command has no exit code or duration; listeners hear start and end', () => {
    const history = new CommandHistory();
    const events: string[] = [];
    history.onCommand((e) => events.push(`${e.type}:${e.record.command}:${e.record.exitCode}`));
    const running = history.start('make', 'typed', '/src');
    expect(history.list()).toEqual([
      { command: 'make', startedAt: expect.any(String), cwd: '/src', source: 'typed' },
    ]);
    running.end(null);
    running.end(5);
    expect(history.list()[0]).toMatchObject({ exitCode: null, durationMs: expect.any(Number) });
    expect(events).toEqual(['start:make:undefined', 'end:make:null']);
  });
});

describe('TypedLines', () => {
  test('applies Backspace, Ctrl-U, Ctrl-W and Ctrl-C, and skips escape sequences', () => {
    const lines = new TypedLines();
    expect(lines.feed('ecko\x7f\x7fho hi')).toEqual([]);
    expect(lines.feed(Buffer.from(' \x1b[A\x1bOBthere\r'))).toEqual(['echo hi there']);
    expect(lines.feed('junk\x15ls -l\n')).toEqual(['ls -l']);
    expect(lines.feed('git commit\x17status\rabc\x03\r')).toEqual(['git status', '']);
  });
});
