// What execute() returns for a command it stopped (timeout, idle timeout, cancel), on real bash
// and zsh PTYs and in scripted mode: every byte the command printed (and, in bash, the newline
// bash prints of its own when an interrupt makes it abandon the line), whether it was waiting for
// input, the same exit code and signal in both modes, and a timeout that counts the command's own
// run only.
// Commands are stopped once their output shows they got where the test wants them, never after
// a fixed sleep.
import { ErrorCode, type ExecResult, isOrchflowError, type TerminalActivity } from '@orchflow/protocol';
import { describe, expect, test } from 'vitest';
import type { ExecOptions } from '../src/exec/options';
import type { Terminal } from '../src/terminal';
import { hasShell, terminalFixture } from './fixture';

const { spawnWith } = terminalFixture('interrupted');
const shells = ['bash', 'zsh'].filter(hasShell);
const DEADLINE_MS = 15_000;

/** Runs `command` and cancels it once its output contains `seen`; resolves with the partial result. */
async function stopWhenSeen(t: Terminal, command: string, seen: string): Promise<ExecResult> {
  const controller = new AbortController();
  let output = '';
  const error = await t
    .execute(command, {
      timeoutMs: 60_000,
      signal: controller.signal,
      onOutput: ({ data }) => {
        output += data;
        if (output.includes(seen)) controller.abort();
      },
    })
    .then(
      (result) => new Error(`ran to its end: ${JSON.stringify(result)}`),
      (e: unknown) => e,
    );
  if (!isOrchflowError(error) || error.code !== ErrorCode.Cancelled) throw error;
  return (error.data as { result: ExecResult }).result;
}

/** Polls `activity()` until it is `want`; fails with the last state after the deadline. */
async function waitForActivity(t: Terminal, want: TerminalActivity['activity']): Promise<void> {
  const end = Date.now() + DEADLINE_MS;
  for (let last = t.activity(); last.activity !== want; last = t.activity()) {
    if (Date.now() > end) throw new Error(`activity stayed ${JSON.stringify(last)}, wanted ${want}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs `command`, cancels it once the terminal awaits input; resolves with the partial result. */
async function stopWhenAsking(t: Terminal, command: string, options: ExecOptions = {}): Promise<ExecResult> {
  const controller = new AbortController();
  const running = t.execute(command, { timeoutMs: 60_000, ...options, signal: controller.signal });
  const settled = running.then(
    (result) => new Error(`ran to its end: ${JSON.stringify(result)}`),
    (e: unknown) => e,
  );
  await waitForActivity(t, 'awaiting_input');
  controller.abort();
  const error = await settled;
  if (!isOrchflowError(error) || error.code !== ErrorCode.Cancelled) throw error;
  return (error.data as { result: ExecResult }).result;
}

describe.each(shells)('an interrupted command in %s', { timeout: 60_000 }, (shell) => {
  const spawn = () => spawnWith({ shell });
  // bash prints a newline when an interrupt makes it abandon a line, as a terminal shows it after
  // `^C`; zsh prints none. It cannot be told from the command's own output without a hook on every
  // line (a cost per command, see docs/terminal.md), so it stays.
  const nl = shell === 'bash' ? '\n' : '';

  test('has its own output after a timed-out job, and the shell goes on', async () => {
    const t = await spawn();
    // Time enough for the job to have started even on a loaded machine: a SIGINT that reaches a
    // child bash forked but not yet exec'd makes that child print the newline itself.
    expect(await t.execute('sleep 30', { timeoutMs: 2000 })).toMatchObject({
      stdout: nl,
      timedOut: true,
      exitCode: 130,
      signal: 'SIGINT',
    });
    const idle = await t.execute('echo start; sleep 30', { idleTimeoutMs: 1500 });
    expect(idle).toMatchObject({ stdout: `start\n${nl}`, timedOut: true, exitCode: 130 });
    expect((await t.execute('echo next')).stdout).toBe('next\n');
  });

  test('keeps a last line with and without its newline', async () => {
    const t = await spawn();
    // The job prints: once its output shows, it runs.
    const job = (print: string) => `sh -c '${print}; exec sleep 30'`;
    expect((await stopWhenSeen(t, job('echo x'), 'x')).stdout).toBe(`x\n${nl}`);
    expect((await stopWhenSeen(t, job('printf x'), 'x')).stdout).toBe(`x${nl}`);
    expect((await stopWhenSeen(t, job('printf "a\\nb"'), 'b')).stdout).toBe(`a\nb${nl}`);
  });

  test('keeps what a program prints as it dies of the SIGINT, and nothing after it', async () => {
    const t = await spawn();
    // Its whole first line: unbuffered (PYTHONUNBUFFERED), print() writes the newline on its own.
    const r = await stopWhenSeen(
      t,
      `python3 -c "import time; print('ready', flush=True); time.sleep(30)"`,
      'ready\r\n',
    );
    expect(r).toMatchObject({ exitCode: 130, signal: 'SIGINT' });
    expect(r.stdout).toMatch(new RegExp(`^ready\n[\\s\\S]*KeyboardInterrupt\n${nl}$`));
  });

  test('stops a builtin read the shell itself runs', async () => {
    const t = await spawn();
    const r = await stopWhenSeen(t, 'echo ready; read -r x; echo "got $x"', 'ready');
    expect(r).toMatchObject({ stdout: `ready\n${nl}`, exitCode: 130 });
  });

  test('reports 130 and SIGINT for a builtin loop in the shell itself, interrupted with ^C', async () => {
    const t = await spawn();
    expect(await t.execute('while :; do :; done', { timeoutMs: 300 })).toMatchObject({
      stdout: nl,
      timedOut: true,
      exitCode: 130,
      signal: 'SIGINT',
    });
    expect((await t.execute('echo next')).stdout).toBe('next\n');
  });

  test('loses no byte of a program that catches the SIGINT and exits on its own', async () => {
    const t = await spawn();
    // The line runs to its end: the shell prints nothing of its own, every byte is the program's.
    const trapped = (last: string) =>
      `sh -c "trap '${last}; exit 130' INT; echo ready; while :; do sleep 0.1; done"`;
    const line = await stopWhenSeen(t, trapped('echo caught'), 'ready');
    expect(line).toMatchObject({ stdout: 'ready\ncaught\n', exitCode: 130 });
    const partial = await stopWhenSeen(t, trapped('printf caught'), 'ready');
    expect(partial).toMatchObject({ stdout: 'ready\ncaught', exitCode: 130 });
  });

  test('says it was waiting for input when the timeout stopped it', async () => {
    const t = await spawn();
    // A builtin read in the shell itself, and a program reading the terminal.
    expect(await t.execute('read -r x; echo "got $x"', { timeoutMs: 1500 })).toMatchObject({
      timedOut: true,
      awaitingInput: true,
      stdout: nl,
      exitCode: 130,
    });
    expect(await t.execute('cat', { timeoutMs: 1500 })).toMatchObject({
      timedOut: true,
      awaitingInput: true,
      stdout: nl,
    });
    const asked = await stopWhenAsking(t, `python3 -c "input('Name? ')"`);
    expect(asked).toMatchObject({ awaitingInput: true, exitCode: 130 });
    expect(asked.stdout).toMatch(/^Name\? /);
    // A command that was busy, not asking.
    const busy = await t.execute('sleep 30', { timeoutMs: 300 });
    expect(busy.timedOut).toBe(true);
    expect('awaitingInput' in busy).toBe(false);
    expect((await t.execute('echo next')).stdout).toBe('next\n');
  });
});

test.runIf(hasShell('zsh'))('a SIGKILLed job reports 137 and SIGKILL in zsh too, as in bash', async () => {
  const escalated = "(trap '' INT; echo armed; sleep 30)";
  for (const shell of ['bash', 'zsh']) {
    const t = await spawnWith({ shell });
    expect(await t.execute(escalated, { timeoutMs: 1000 })).toMatchObject({
      timedOut: true,
      exitCode: 137,
      signal: 'SIGKILL',
    });
    expect((await t.execute('echo alive')).stdout).toBe('alive\n');
  }
});

describe('a stopped scripted command', { timeout: 60_000 }, () => {
  const spawn = () => spawnWith({ mode: 'scripted', shell: 'sh' });

  test('reports 130 and SIGINT after a timeout, as interactive mode does, with its own output', async () => {
    const t = await spawn();
    expect(await t.execute('printf x; sleep 30', { timeoutMs: 1500 })).toMatchObject({
      stdout: 'x',
      timedOut: true,
      exitCode: 130,
      signal: 'SIGINT',
    });
  });

  test('reports 137 and SIGKILL when it ignored the SIGINT', async () => {
    const t = await spawn();
    expect(await t.execute("trap '' INT; sleep 30", { timeoutMs: 1000 })).toMatchObject({
      timedOut: true,
      exitCode: 137,
      signal: 'SIGKILL',
    });
  });

  test("has the pid of the command's shell while it runs, 0 between commands", async () => {
    const t = await spawn();
    let pid = 0;
    const echoed = await t.execute('echo $$', {
      onStart: () => {
        pid = t.pid;
      },
    });
    expect(echoed.stdout).toBe(`${pid}\n`);
    expect(t.pid).toBe(0);
  });

  test('says it was waiting for input when the timeout stopped it', async () => {
    const t = await spawn();
    expect(await t.execute('cat', { timeoutMs: 1500 })).toMatchObject({
      timedOut: true,
      awaitingInput: true,
      exitCode: 130,
      signal: 'SIGINT',
    });
    const busy = await t.execute('sleep 30', { timeoutMs: 300 });
    expect(busy.timedOut).toBe(true);
    expect('awaitingInput' in busy).toBe(false);
  });
});

describe('timeoutMs of a queued command', { timeout: 60_000 }, () => {
  test("counts the command's own run, not the wait behind earlier commands", async () => {
    const t = await spawnWith({ shell: 'bash' });
    let firstDone = false;
    const first = t.execute('sleep 1.5; echo A').then((r) => {
      firstDone = true;
      return r;
    });
    const second = await t.execute('echo B', { timeoutMs: 500 });
    expect(firstDone).toBe(true);
    expect(second).toMatchObject({ stdout: 'B\n', timedOut: false, exitCode: 0 });
    expect((await first).stdout).toBe('A\n');
  });

  test('an AbortSignal bounds the wait: a command cancelled while queued never runs', async () => {
    const t = await spawnWith({ shell: 'bash' });
    let firstDone = false;
    const first = t.execute('sleep 3').then(() => {
      firstDone = true;
    });
    const error = await t
      .execute('echo never', { signal: AbortSignal.timeout(200) })
      .catch((e: unknown) => e);
    expect(firstDone).toBe(false);
    expect(isOrchflowError(error) && error.codeName).toBe('Cancelled');
    expect(isOrchflowError(error) && error.data).toBeUndefined();
    await first;
    expect(t.read({}).data).not.toContain('never');
  });
});
