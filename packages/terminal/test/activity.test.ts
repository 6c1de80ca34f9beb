// Terminal.activity() on real bash PTYs and pipes: idle at the prompt, running a command (typed by
// execute or by hand), awaiting input while a program — or the shell's own `read` — is blocked
// reading the terminal, and exited. States are polled for with generous deadlines: the kernel
// shows a program reading only once it got there, which takes a moment under load.
import { spawn as spawnChild } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { TerminalActivity } from '@orchflow/protocol';
import { describe, expect, onTestFinished, test, vi } from 'vitest';
import {
  ACTIVITY_POLL_MS,
  type ActivityObservation,
  ActivityTracker,
  WAIT_STABLE_MS,
} from '../src/activity/tracker';
import type { Terminal } from '../src/terminal';
import { terminalFixture } from './fixture';

const { spawn } = terminalFixture('activity');
const DEADLINE_MS = 15_000;

/** Polls `activity()` until it is `want`; fails with the last state after the deadline. */
async function waitForActivity(t: Terminal, want: TerminalActivity['activity']): Promise<TerminalActivity> {
  const end = Date.now() + DEADLINE_MS;
  let last = t.activity();
  while (last.activity !== want) {
    if (Date.now() > end) throw new Error(`activity stayed ${JSON.stringify(last)}, wanted ${want}`);
    await new Promise((r) => setTimeout(r, 50));
    last = t.activity();
  }
  return last;
}

/** Polls until the terminal awaits input in a wait that began at or after `after` (ms). */
async function waitForNewWait(t: Terminal, after: number): Promise<TerminalActivity> {
  const end = Date.now() + DEADLINE_MS;
  let state = t.activity();
  while (!(state.activity === 'awaiting_input' && Date.parse(state.waitingSince ?? '') >= after)) {
    if (Date.now() > end) throw new Error(`no new wait after ${after}: ${JSON.stringify(state)}`);
    await new Promise((r) => setTimeout(r, 50));
    state = t.activity();
  }
  return state;
}

/** Resolves with the first event `listener` receives that is `want`. */
function nextEvent(t: Terminal, want: TerminalActivity['activity']): Promise<TerminalActivity> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${want} event`)), DEADLINE_MS);
    const stop = t.onActivity((state) => {
      if (state.activity !== want) return;
      clearTimeout(timer);
      stop.dispose();
      resolve(state);
    });
  });
}

describe('a PTY terminal', { timeout: 60_000 }, () => {
  test('is idle at its prompt, the shell in front of the terminal', async () => {
    const t = await spawn();
    const state = t.activity();
    expect(state).toMatchObject({ terminalId: t.id, activity: 'idle', foregroundPid: t.pid });
    expect(state.command).toBeUndefined();
    expect(Number.isNaN(Date.parse(state.since ?? ''))).toBe(false);
  });

  test('is running an execute()d command, with its text and start time', async () => {
    const t = await spawn();
    const before = Date.now();
    const run = t.execute('sleep 5');
    run.catch(() => undefined);
    const state = await waitForActivity(t, 'running');
    expect(state.command).toBe('sleep 5');
    expect(state.foregroundPid).not.toBe(t.pid);
    expect(Date.parse(state.since ?? '')).toBeGreaterThanOrEqual(before - 1000);
    // Not mistaken for a read: sleep never reads the terminal.
    expect(t.activity().activity).toBe('running');
  });

  test.each([
    ['the shell builtin `read x`', 'read x', 'hello\r'],
    ["python3 -c 'input()'", "python3 -c 'input()'", 'hello\r'],
    ['cat', 'cat', 'hello\r\x04'],
    [
      "node's readline (an event loop waiting in epoll)",
      `node -e "require('readline').createInterface({ input: process.stdin }).question('name? ', () => process.exit(0))"`,
      'hello\r',
    ],
    ["python3's REPL (GNU readline waits in pselect6)", 'python3 -q', 'exit()\r'],
    [
      'a poll(2) without a timeout',
      `python3 -c 'import select, sys; p = select.poll(); p.register(0, select.POLLIN); p.poll(); input()'`,
      'hello\r',
    ],
  ])(
    'awaits input while %s reads the terminal, and is idle once it got its line',
    async (_name, command, input) => {
      const t = await spawn();
      const run = t.execute(command, { timeoutMs: 60_000 });
      const state = await waitForActivity(t, 'awaiting_input');
      expect(state.command).toBe(command);
      t.write(input);
      const result = await run;
      expect(result.exitCode).toBe(0);
      expect(t.activity()).toMatchObject({ activity: 'idle', foregroundPid: t.pid });
    },
  );

  test('a second question right after an answer is a new wait: a later waitingSince, and listeners hear it', async () => {
    const t = await spawn();
    const run = t.execute(`python3 -c 'input("first? "); input("second? ")'`, { timeoutMs: 60_000 });
    // A wait counts (has a waitingSince) once it was seen unchanged for WAIT_STABLE_MS.
    const first = await waitForNewWait(t, 0);
    // Still the same wait while nothing was read: its since does not move.
    await new Promise((r) => setTimeout(r, 200));
    expect(first.waitingSince).toBeDefined();
    expect(t.activity()).toMatchObject({
      activity: 'awaiting_input',
      since: first.since,
      waitingSince: first.waitingSince,
    });
    const heard: TerminalActivity[] = [];
    const stop = t.onActivity((state) => heard.push(state));
    const answeredAt = Date.now();
    t.write('yes\r');
    const second = await waitForNewWait(t, answeredAt);
    expect(second.command).toContain('second?');
    // `since` stays the command's start; only the wait is new.
    expect(second.since).toBe(first.since);
    const end = Date.now() + DEADLINE_MS;
    while (!heard.some((s) => s.activity === 'awaiting_input' && s.waitingSince === second.waitingSince)) {
      if (Date.now() > end) throw new Error(`listeners heard ${JSON.stringify(heard)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    stop.dispose();
    t.write('done\r');
    expect((await run).exitCode).toBe(0);
  });

  test("node's readline asking twice: the second question counts, the moment before it exits does not", async () => {
    const t = await spawn();
    const program = [
      "const rl = require('readline').createInterface({ input: process.stdin, output: process.stdout });",
      "rl.question('first? ', (a) => rl.question('second? ', (b) => { rl.close(); console.log('got', a, b); }));",
    ].join(' ');
    const run = t.execute(`node -e "${program}"`, { timeoutMs: 60_000 });
    await waitForActivity(t, 'awaiting_input');
    const heard: TerminalActivity[] = [];
    const stop = t.onActivity((state) => heard.push(state));
    const firstAnswer = Date.now();
    t.write('one\r');
    await waitForNewWait(t, firstAnswer);
    const secondAnswer = Date.now();
    t.write('two\r');
    expect((await run).stdout).toContain('got one two');
    stop.dispose();
    // An event loop waiting in epoll on its way out is no new question.
    const late = heard.filter((s) => Date.parse(s.waitingSince ?? '') >= secondAnswer);
    expect(late).toEqual([]);
  });

  test.each([
    [
      'a select with a timeout (a program that also works on a clock)',
      'import select, sys; select.select([sys.stdin], [], [], 30)',
    ],
    [
      'a select on the terminal and a socket',
      'import select, socket, sys; s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); select.select([sys.stdin, s], [], [])',
    ],
  ])('keeps %s running, not awaiting input', async (_name, program) => {
    const t = await spawn();
    const run = t.execute(`python3 -c '${program}; print("wo" + "ke")'`, { timeoutMs: 60_000 });
    expect(await waitForActivity(t, 'running')).toMatchObject({ activity: 'running' });
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 100));
      expect(t.activity().activity).toBe('running');
    }
    t.write('x\r');
    expect((await run).stdout).toContain('woke');
  });

  test('keeps a program that relays another terminal running while what it runs works (script)', async () => {
    const t = await spawn();
    // script(1) polls the terminal, its own PTY's master and a signalfd, all for input.
    const run = t.execute(`script -q -c 'sleep 2; echo relayed' /dev/null`, { timeoutMs: 60_000 });
    expect(await waitForActivity(t, 'running')).toMatchObject({ activity: 'running' });
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 100));
      expect(t.activity().activity).toBe('running');
    }
    expect((await run).stdout).toContain('relayed');
  });

  test('keeps a server that also listens for keys running, not awaiting input', async () => {
    const t = await spawn();
    const server =
      "const s = require('net').createServer().listen(0, () => console.log('list' + 'ening')); process.stdin.on('data', () => s.close(() => process.exit(0)))";
    const run = t.execute(`node -e "${server}"`, { timeoutMs: 60_000 });
    const end = Date.now() + DEADLINE_MS;
    while (!t.read().data.includes('listening') && Date.now() < end)
      await new Promise((r) => setTimeout(r, 50));
    expect(await waitForActivity(t, 'running')).toMatchObject({ activity: 'running' });
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 100));
      expect(t.activity().activity).toBe('running');
    }
    t.write('q\r');
    expect((await run).exitCode).toBe(0);
  });

  test('shows a command typed by hand as running, and tells listeners when it ends', async () => {
    const t = await spawn();
    const idleAgain = (async () => {
      await nextEvent(t, 'running');
      return nextEvent(t, 'idle');
    })();
    t.write('sleep 3\r');
    const state = await waitForActivity(t, 'running');
    expect(state.command).toBeUndefined();
    expect(state.foregroundPid).not.toBe(t.pid);
    expect((await idleAgain).activity).toBe('idle');
  });

  test('is exited after kill, with the exit code, and listeners hear it', async () => {
    const t = await spawn();
    const heard = nextEvent(t, 'exited');
    const info = await t.kill();
    const state = t.activity();
    expect(state).toMatchObject({ terminalId: t.id, activity: 'exited', exitCode: info.exitCode });
    expect('exitCode' in state).toBe(true);
    expect(await heard).toMatchObject({ activity: 'exited', exitCode: info.exitCode });
  });
});

describe('a scripted (pipe) terminal', { timeout: 60_000 }, () => {
  test('is idle, running, and awaiting input only while its command reads its stdin', async () => {
    const t = await spawn('scripted');
    expect(t.activity().activity).toBe('idle');
    const sleeping = t.execute('sleep 5');
    sleeping.catch(() => undefined);
    expect(await waitForActivity(t, 'running')).toMatchObject({ command: 'sleep 5' });
    // sleep never reads its stdin: it stays running.
    await new Promise((r) => setTimeout(r, 300));
    expect(t.activity().activity).toBe('running');
  });

  test('a second read of its stdin after an answer is a new wait', async () => {
    const t = await spawn('scripted');
    const run = t.execute(`python3 -c 'input(); input()'`, { timeoutMs: 60_000 });
    await waitForActivity(t, 'awaiting_input');
    const answeredAt = Date.now();
    t.write('yes\n');
    expect(await waitForNewWait(t, answeredAt)).toMatchObject({ command: `python3 -c 'input(); input()'` });
    t.write('done\n');
    expect((await run).exitCode).toBe(0);
  });

  test('awaits input while cat reads its stdin pipe', async () => {
    const t = await spawn('scripted');
    const run = t.execute('cat', { timeoutMs: 60_000 });
    expect(await waitForActivity(t, 'awaiting_input')).toMatchObject({ command: 'cat' });
    t.write('hello\n\x04');
    expect((await run).stdout).toBe('hello\n');
    expect(t.activity().activity).toBe('idle');
  });
});

// A shell without a line editor waits for its next command line in read(2), as `read x` does: a
// poll can see it there before the done marker in the PTY has been read. Such a read counts only
// when it is still there after a turn of the event loop (which reads the PTY).
describe('the shell itself reading between its markers', () => {
  const turn = () => new Promise((r) => setImmediate(() => setImmediate(() => setImmediate(r))));
  const reading: ActivityObservation = { activity: 'awaiting_input', readerPid: 7, shellReads: true };

  test('is running at first, and awaiting input once seen again after an event-loop turn', async () => {
    const tracker = new ActivityTracker('t1', () => reading);
    tracker.commandStarted('read x');
    expect(tracker.current().activity).toBe('running');
    await turn();
    expect(tracker.current()).toMatchObject({ activity: 'awaiting_input', command: 'read x' });
  });

  test('never reaches listeners when the marker came meanwhile', async () => {
    let observation: ActivityObservation = reading;
    const tracker = new ActivityTracker('t2', () => observation);
    tracker.commandStarted('true');
    const heard: string[] = [];
    const stop = tracker.onChange((state) => heard.push(state.activity));
    expect(tracker.current().activity).toBe('running');
    // The done marker is read: the command ended, the shell is at its prompt.
    observation = { activity: 'idle' };
    tracker.commandEnded();
    await turn();
    expect(tracker.current().activity).toBe('idle');
    expect(heard).not.toContain('awaiting_input');
    stop.dispose();
  });
});

// A command that starts and ends between two polls is still heard running, once, before idle.
describe('a command shorter than a poll', () => {
  test('is heard running, then idle', async () => {
    const tracker = new ActivityTracker('t3', () => ({ activity: 'idle' }));
    const heard: TerminalActivity[] = [];
    const stop = tracker.onChange((state) => heard.push(state));
    tracker.commandStarted('true');
    tracker.commandEnded();
    tracker.commandStarted('echo hi');
    tracker.commandEnded();
    await new Promise((resolve) => setTimeout(resolve, 3 * ACTIVITY_POLL_MS));
    expect(heard.map((state) => [state.activity, state.command])).toEqual([
      ['running', 'true'],
      ['running', 'echo hi'],
      ['idle', undefined],
    ]);
    stop.dispose();
  });
});

/** Resolves once process `pid` is `cat` asleep (in read(2), the only place cat sleeps). */
async function blockedReading(pid: number): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/^\d+ \(cat\) S /.test(stat)) return;
    if (Date.now() > deadline) throw new Error(`cat ${pid} never blocked reading: ${stat}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

// Input reaches the PTY at once, so a program can take an answer and ask again within the
// millisecond the answer was written. That new wait must still read as begun after the input:
// a caller that compares `waitingSince` with when it wrote (MCP's terminal_wait) would otherwise
// never see the second question.
describe('a wait seen in the millisecond input was written', () => {
  test('counts as begun after the input', async () => {
    const reader = spawnChild('cat', [], { stdio: ['pipe', 'ignore', 'ignore'] });
    onTestFinished(() => {
      reader.kill();
    });
    const rchar = () => Number(/^rchar:\s*(\d+)/m.exec(readFileSync(`/proc/${reader.pid}/io`, 'utf8'))?.[1]);
    // Only once cat sleeps in its first read: until then its rchar still grows as the loader reads
    // libraries, which the tracker (rightly) hears as a new wait, and the first one never settles.
    await blockedReading(reader.pid ?? 0);
    const tracker = new ActivityTracker('t3', () => ({ activity: 'awaiting_input', readerPid: reader.pid }));
    let clock = 1_000_000;
    const now = vi.spyOn(Date, 'now').mockImplementation(() => clock);
    onTestFinished(() => {
      now.mockRestore();
    });
    tracker.commandStarted('cat');
    tracker.current();
    clock += WAIT_STABLE_MS;
    expect(Date.parse(tracker.current().waitingSince ?? '')).toBe(1_000_000);
    // The answer, and the program's next read, all in one millisecond.
    clock += 100;
    const inputAt = clock;
    const before = rchar();
    tracker.inputWritten();
    reader.stdin?.write('answer\n');
    while (rchar() === before) await new Promise((resolve) => setTimeout(resolve, 5));
    tracker.current();
    clock += WAIT_STABLE_MS + 1;
    expect(Date.parse(tracker.current().waitingSince ?? '')).toBeGreaterThan(inputAt);
  });
});
