// execute() limits and ordering on a bash PTY: hard vs idle timeouts, SIGKILL escalation,
// cancellation, head+tail truncation of huge output, the per-terminal queue and concurrency
// between terminals.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isOrchflowError } from '@orchflow/protocol';
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { cleanTerminalOutput } from '../src/exec/clean';
import { Terminal } from '../src/terminal';
import { hasShell } from './fixture';

let dir: string;
let t: Terminal;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orchflow-limits-'));
  t = await Terminal.spawn({ shell: 'bash', cwd: dir, scrollbackBytes: 32 * 1024 * 1024 });
});

afterAll(async () => {
  await t?.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('timeouts', () => {
  // Prints every 200 ms for about 2.4 s.
  const ticking = 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo tick; sleep 0.2; done; echo finished';

  test('idleTimeoutMs does not fire while output keeps coming', async () => {
    const r = await t.execute(ticking, { idleTimeoutMs: 1500 });
    expect(r.timedOut).toBe(false);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.endsWith('finished\n')).toBe(true);
  });

  test('timeoutMs fires on the same command', async () => {
    const r = await t.execute(ticking, { timeoutMs: 1000 });
    expect(r).toMatchObject({ timedOut: true, exitCode: 130, signal: 'SIGINT' });
    expect(r.stdout).toContain('tick');
    expect(r.stdout).not.toContain('finished');
  });

  test('idleTimeoutMs fires on a silent command', async () => {
    const r = await t.execute('echo start; sleep 30', { idleTimeoutMs: 500 });
    expect(r).toMatchObject({ timedOut: true, exitCode: 130 });
    // bash adds a newline of its own after a job died of SIGINT, as a terminal shows it.
    expect(r.stdout.trimEnd()).toBe('start');
  });

  test('a command ignoring SIGINT is SIGKILLed after the grace period; the shell survives', async () => {
    const r = await t.execute("(trap '' INT; echo armed; sleep 30)", { timeoutMs: 300 });
    expect(r).toMatchObject({ timedOut: true, exitCode: 137, signal: 'SIGKILL' });
    expect(r.stdout).toMatch(/^armed\n/);
    expect((await t.execute('echo alive')).stdout).toBe('alive\n');
  });

  test('nothing after a SIGKILLed job runs: the shell abandons the rest of the line', async () => {
    const after = join(dir, 'after-sigkill');
    const r = await t.execute(`(trap '' INT; sleep 30); touch ${after}; echo tail`, { timeoutMs: 300 });
    expect(r).toMatchObject({ timedOut: true, exitCode: 137, signal: 'SIGKILL' });
    expect(r.stdout).not.toContain('tail');
    expect(existsSync(after)).toBe(false);
    expect((await t.execute('echo alive')).stdout).toBe('alive\n');
  });

  test.runIf(hasShell('zsh'))('zsh abandons the rest of the line after a SIGKILLed job too', async () => {
    const zsh = await Terminal.spawn({ shell: 'zsh', cwd: dir });
    onTestFinished(() => zsh.kill().then(() => undefined));
    const after = join(dir, 'after-zsh');
    // Time for the subshell's trap to be set: a SIGINT before it would end the job itself.
    const r = await zsh.execute(`(trap '' INT; sleep 30); touch ${after}; echo tail`, { timeoutMs: 1000 });
    // zsh's `$?` says the abandoned line was interrupted (130); the result says what ended the job.
    expect(r).toMatchObject({ timedOut: true, exitCode: 137, signal: 'SIGKILL' });
    expect(r.stdout).not.toContain('tail');
    expect(existsSync(after)).toBe(false);
    expect((await zsh.execute('echo alive')).stdout).toBe('alive\n');
  });

  test('a shell that ignores SIGINT is ended rather than left to run the rest of the line', async () => {
    const own = await Terminal.spawn({ shell: 'bash', cwd: dir });
    onTestFinished(() => own.kill().then(() => undefined));
    await own.execute("trap '' INT");
    const after = join(dir, 'after-ignored');
    const r = await own.execute(`sleep 30; touch ${after}; echo tail`, { timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.stdout).not.toContain('tail');
    await own.exited;
    expect(existsSync(after)).toBe(false);
  });

  test('a builtin loop in the shell itself is interrupted with ^C', async () => {
    const r = await t.execute('while :; do :; done', { timeoutMs: 300 });
    expect(r).toMatchObject({ timedOut: true, exitCode: 130 });
    expect((await t.execute('echo alive')).stdout).toBe('alive\n');
  });
});

describe('cancellation', () => {
  test('aborting a running command interrupts it and rejects with Cancelled and the partial result', async () => {
    const controller = new AbortController();
    const error = await t
      .execute('echo working; sleep 30', {
        signal: controller.signal,
        onOutput: (chunk) => {
          if (chunk.data.includes('working')) controller.abort();
        },
      })
      .catch((e: unknown) => e);
    expect(isOrchflowError(error) && error.codeName).toBe('Cancelled');
    const { result } = (error as { data: { result: { stdout: string; exitCode: number } } }).data;
    expect(result.exitCode).toBe(130);
    expect(result.stdout.trimEnd()).toBe('working');
    expect((await t.execute('echo next')).stdout).toBe('next\n');
  });

  test('aborting a queued command rejects at once and it never runs', async () => {
    const controller = new AbortController();
    const first = t.execute('sleep 0.5');
    const queued = t.execute('touch never-ran', { signal: controller.signal });
    controller.abort();
    await expect(queued).rejects.toMatchObject({ codeName: 'Cancelled' });
    await first;
    await t.execute('true');
    expect(existsSync(join(dir, 'never-ran'))).toBe(false);
  });

  // The abort lands after the line was typed but before the shell read it: the shell is frozen
  // (SIGSTOP), so the line sits unread in the terminal's input. A ^C typed now would make the line
  // discipline flush it: the shell would only redraw its prompt, with the previous command's token.
  describe('before the shell has read the typed line', () => {
    const SIGINT_BIT = 1n << 1n;
    /** SIGINT is pending for `pid` (a ^C reached the line discipline while it is stopped). */
    const sigintPending = (pid: number): boolean => {
      const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^ShdPnd:\s*([0-9a-f]+)/m);
      return line !== null && (BigInt(`0x${line[1]}`) & SIGINT_BIT) !== 0n;
    };
    /** Runs `sleep 3; touch <marker>` in a frozen shell and aborts it; resumes the shell once `resume` holds. */
    async function abortUnread(resume: (shellPid: number) => boolean) {
      const own = await Terminal.spawn({ shell: 'bash', cwd: dir });
      onTestFinished(async () => {
        await own.kill();
      });
      await own.execute('true');
      const marker = join(dir, `unread-${Math.random().toString(16).slice(2)}`);
      const controller = new AbortController();
      process.kill(own.pid, 'SIGSTOP');
      try {
        const running = own.execute(`sleep 3; touch ${marker}`, { signal: controller.signal });
        await new Promise((resolve) => setImmediate(resolve)); // typed, unread
        controller.abort();
        while (!resume(own.pid)) await new Promise((resolve) => setTimeout(resolve, 20));
        process.kill(own.pid, 'SIGCONT');
        const error = await running.catch((e: unknown) => e);
        // Commands on one terminal run in order: once this one ran, the aborted one is over.
        const next = await own.execute('echo next');
        return { error, next, ran: existsSync(marker) };
      } finally {
        process.kill(own.pid, 'SIGCONT');
      }
    }

    test('the interrupt waits for the shell to take the line, then interrupts the command', async () => {
      // Resumed once a ^C reached the line discipline (which flushes the line), or after a while
      // well within the grace period in which the interrupt waits for the shell instead.
      const since = performance.now();
      const { error, next, ran } = await abortUnread(
        (pid) => sigintPending(pid) || performance.now() - since > 300,
      );
      expect(isOrchflowError(error) && error.codeName).toBe('Cancelled');
      expect(
        (error as { data: { result: { integrationLost?: boolean } } }).data.result.integrationLost,
      ).toBeUndefined();
      expect(next.stdout).toBe('next\n');
      expect(ran).toBe(false);
    });

    test('a ^C that flushed the unread line ends the command at the next prompt', async () => {
      // Resumed only once the interrupt gave up waiting and typed ^C (after its grace period).
      const { error, next, ran } = await abortUnread(sigintPending);
      expect(isOrchflowError(error) && error.codeName).toBe('Cancelled');
      expect(
        (error as { data: { result: { integrationLost?: boolean } } }).data.result.integrationLost,
      ).toBeUndefined();
      expect(next.stdout).toBe('next\n');
      expect(ran).toBe(false);
    });
  });
});

describe('output limits', () => {
  test('10 MB of output keeps head and tail; the full text stays readable by offset', async () => {
    const line = '0123456789abcdef';
    const lines = (10 * 1024 * 1024) / 16 / 17;
    const r = await t.execute(`yes ${line} | head -n ${Math.floor(lines * 17)} | cat -n | tail -c +1`, {
      timeoutMs: 120_000,
    });
    expect(r.exitCode).toBe(0);
    expect(r.truncated).toBe(true);
    expect(r.stdout.length).toBeLessThan(1024 * 1024 + 200);
    expect(r.stdout).toMatch(/^\s+1\t0123456789abcdef\n\s+2\t/);
    const total = Math.floor(lines * 17);
    expect(r.stdout.endsWith(`${total}\t${line}\n`)).toBe(true);
    expect(r.stdout).toMatch(/bytes of output omitted/);

    // Read back the whole output from the scrollback, page by page.
    let offset = r.outputOffset ?? 0;
    const pages: string[] = [];
    for (;;) {
      const page = t.read({ fromOffset: offset, maxBytes: 1024 * 1024 });
      expect(page.gap).toBeUndefined();
      pages.push(page.data);
      if (page.nextOffset >= page.endOffset) break;
      offset = page.nextOffset;
    }
    const full = cleanTerminalOutput(pages.join(''));
    const expected = Array.from({ length: total }, (_, i) => `${String(i + 1).padStart(6)}\t${line}\n`).join(
      '',
    );
    expect(full.startsWith(expected)).toBe(true);
  }, 180_000);

  test('maxOutputBytes is honoured per call', async () => {
    const r = await t.execute('seq 1 10000', { maxOutputBytes: 1000 });
    expect(r.truncated).toBe(true);
    expect(r.stdout.startsWith('1\n2\n3\n')).toBe(true);
    expect(r.stdout.endsWith('9999\n10000\n')).toBe(true);
    const small = await t.execute('seq 1 3', { maxOutputBytes: 1000 });
    expect(small).toMatchObject({ stdout: '1\n2\n3\n', truncated: false });
  });
});

describe('ordering and concurrency', () => {
  test('20 concurrent calls on one terminal run strictly in order', async () => {
    const finished: number[] = [];
    const calls = Array.from({ length: 20 }, (_, i) =>
      t.execute(`echo ${i} >> order.txt; echo ${i}`).then((r) => {
        finished.push(i);
        return r;
      }),
    );
    const results = await Promise.all(calls);
    expect(results.map((r) => r.stdout)).toEqual(results.map((_, i) => `${i}\n`));
    expect(finished).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const file = await t.execute('cat order.txt');
    expect(file.stdout).toBe(`${Array.from({ length: 20 }, (_, i) => i).join('\n')}\n`);
  });

  test('different terminals run at the same time', async () => {
    const other = await Terminal.spawn({ shell: 'bash', cwd: dir });
    try {
      // The waiter only finishes once the other terminal has run its command: serialising the
      // two terminals would deadlock until the timeout.
      const waiter = t.execute('while [ ! -e go.flag ]; do sleep 0.05; done; echo released', {
        timeoutMs: 15_000,
      });
      const trigger = await other.execute('touch go.flag');
      expect(trigger.exitCode).toBe(0);
      expect(await waiter).toMatchObject({ stdout: 'released\n', timedOut: false });
    } finally {
      await other.kill();
    }
  });
});

test('invalid execute options reject with InvalidParams', async () => {
  await expect(t.execute('true', { timeoutMs: -1 })).rejects.toMatchObject({ codeName: 'InvalidParams' });
});

// In process as over the wire (`terminal.execute`): the same limits, and a message naming the field.
test.each([
  ['an empty command', '', {}, /^Invalid execute at command: Too small/],
  [
    'a timeout over a day',
    'true',
    { timeoutMs: 86_400_001 },
    /^Invalid execute options at options\.timeoutMs: Too big/,
  ],
  ['an idle timeout that is not whole', 'true', { idleTimeoutMs: 1.5 }, /at options\.idleTimeoutMs: /],
  [
    "an output limit over the protocol's",
    'true',
    { maxOutputBytes: 2 ** 40 },
    /at options\.maxOutputBytes: Too big/,
  ],
])('%s is refused as on the wire, naming the field', async (_what, command, options, message) => {
  const error = await t.execute(command, options).catch((e: unknown) => e);
  expect(error).toMatchObject({ codeName: 'InvalidParams', message: expect.stringMatching(message) });
  expect((error as Error).message).not.toContain('[');
});
