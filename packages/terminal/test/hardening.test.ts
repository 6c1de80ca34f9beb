// execute() against commands that break, bypass or disturb the shell integration: parse errors
// inside eval, removed or shadowed hooks, hand-typed programs, xtrace, interrupts and a table of
// adversarial commands. Each case must settle — none may hang — and the shell must stay usable.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecResult } from '@orchflow/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { ExecOptions } from '../src/exec/options';
import { Terminal } from '../src/terminal';
import { hasShell } from './fixture';

const shells = ['bash', 'zsh', 'sh'].filter(hasShell);
// A hang is a failure: every execute here gets this long before the test calls it hung.
const HANG_MS = 15_000;

let dir: string;
const spawned: Terminal[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchflow-hardening-'));
});

afterEach(async () => {
  await Promise.all(spawned.splice(0).map((t) => t.kill()));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function spawn(shell: string): Promise<Terminal> {
  const t = await Terminal.spawn({ shell, cwd: dir, cols: 80, rows: 24 });
  spawned.push(t);
  return t;
}

/** Runs a command, failing the test (instead of hanging it) when it does not settle. */
async function run(t: Terminal, command: string, options: ExecOptions = {}): Promise<ExecResult> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`execute(${JSON.stringify(command)}) hung`)), HANG_MS);
  });
  try {
    return await Promise.race([t.execute(command, options), hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** Types a command line as a user would and waits until the shell has echoed it and started it. */
async function typeByHand(t: Terminal, line: string): Promise<void> {
  const echoed = new Promise<void>((resolve) => {
    const sub = t.onData((chunk) => {
      if (chunk.data.includes(line)) {
        sub.dispose();
        resolve();
      }
    });
  });
  t.write(`${line}\r`);
  await echoed;
  // The start marker follows the echo at once; give a loaded machine ample time for it.
  await new Promise((r) => setTimeout(r, 500));
}

describe('a parse error inside eval', () => {
  // bash 5.2 printed garbage instead of PS0 after these when the rc re-assigned PS0 at every prompt.
  test.each(["echo It's done", 'echo hi\\', 'echo (', 'if true; then echo x', 'echo "unterminated'])(
    'bash: %j completes and later commands still run',
    async (bad) => {
      const t = await spawn('bash');
      const r = await run(t, bad);
      // bash drops a trailing backslash at the end of eval's text; the others are syntax errors.
      expect(r.exitCode).toBe(bad.endsWith('\\') ? 0 : 2);
      for (const word of ['next', 'again']) {
        const ok = await run(t, `echo ${word}`);
        expect(ok).toMatchObject({ stdout: `${word}\n`, exitCode: 0 });
      }
    },
  );
});

describe.each(shells)('lost hooks in %s', (shell) => {
  const removals: Record<string, string[]> = {
    bash: ['PROMPT_COMMAND=', 'unset PROMPT_COMMAND', "PS0=''; PS1='> '", 'printf() { :; }'],
    zsh: ['precmd_functions=()', 'preexec_functions=()', "PS1='> '", 'printf() { :; }'],
    sh: ['PS1="$ "', "PS1='> '; echo changed", 'printf() { :; }'],
  };

  test.each(removals[shell] ?? [])('%j settles and the next commands run normally', async (breaker) => {
    const t = await spawn(shell);
    const r = await run(t, breaker);
    // The hooks survived (a normal result, or an error where they are readonly), or the loss was
    // detected and reported.
    if (r.integrationLost) expect(r.exitCode).toBeNull();
    else expect(r.exitCode).toEqual(expect.any(Number));
    for (const word of ['one', 'two']) {
      const ok = await run(t, `echo ${word}; (exit 3)`);
      expect(ok).toMatchObject({ stdout: `${word}\n`, exitCode: 3 });
      expect(ok.integrationLost).toBeUndefined();
    }
  });
});

describe('hooks that cannot be removed', () => {
  test('bash: unset -f of the hooks fails, PS0 cleared, and commands still complete', async () => {
    const t = await spawn('bash');
    const removal = await run(t, 'unset -f __orchflow_arm __orchflow_prompt; PS0=');
    expect(removal.stdout).toMatch(/readonly/);
    const r = await run(t, 'echo fallback; (exit 4)');
    expect(r).toMatchObject({ stdout: 'fallback\n', exitCode: 4 });
    expect((await run(t, 'printf "a\\nb\\n"')).stdout).toBe('a\nb\n');
  });
});

describe('a shell replaced by one without integration', () => {
  test('exec bash: the command and the next one time out with integrationLost, no terminal kill', async () => {
    const t = await spawn('bash');
    const r = await run(t, 'exec bash --norc --noprofile', { timeoutMs: 1000 });
    expect(r).toMatchObject({ timedOut: true, exitCode: null, integrationLost: true });
    expect(r.stdout).not.toContain('^C');
    const next = await run(t, 'echo after', { timeoutMs: 1000 });
    expect(next).toMatchObject({ timedOut: true, exitCode: null, integrationLost: true, stdout: '' });
    expect(t.state).toBe('running');
  });

  test('without a timeout the next execute is refused instead of hanging', async () => {
    const t = await spawn('bash');
    await run(t, 'exec bash --norc --noprofile', { timeoutMs: 1000 });
    await expect(run(t, 'echo after')).rejects.toMatchObject({ codeName: 'InvalidState' });
  });
});

// sh has no hook that runs when a line typed by hand starts, so only bash and zsh can tell.
describe.each(shells.filter((s) => s !== 'sh'))('a program typed by hand in %s', (shell) => {
  test('execute waits for it to end instead of typing into it', async () => {
    const t = await spawn(shell);
    await typeByHand(t, 'cat');
    const waiting = run(t, 'echo hi');
    const early = await Promise.race([waiting, new Promise((r) => setTimeout(() => r('pending'), 500))]);
    expect(early).toBe('pending');
    t.write('\x04');
    expect(await waiting).toMatchObject({ stdout: 'hi\n', exitCode: 0 });
  });

  test('its wait is bounded by timeoutMs; nothing is typed into the program', async () => {
    const t = await spawn(shell);
    await typeByHand(t, 'cat');
    const r = await run(t, 'echo typed-in', { timeoutMs: 500 });
    expect(r).toMatchObject({ timedOut: true, exitCode: null, stdout: '' });
    t.write('\x04');
    expect(await run(t, 'echo hi')).toMatchObject({ stdout: 'hi\n', exitCode: 0 });
  });
});

describe.each(shells)('xtrace in %s', (shell) => {
  test("the result holds the command's trace, not the hooks'", async () => {
    const t = await spawn(shell);
    await run(t, shell === 'zsh' ? 'setopt xtrace' : 'set -x');
    const r = await run(t, 'echo hi');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).not.toContain('orchflow');
    expect(r.stdout).toContain('hi\n');
    expect(r.stdout.split('\n').filter((l) => l !== '').length).toBeLessThanOrEqual(3);
    expect(t.read({}).data).not.toMatch(/[0-9a-f]{32}/);
  });
});

describe.each(shells)('interrupt echoes in %s', (shell) => {
  test('a timed-out result has no ^C the interrupt caused', async () => {
    const t = await spawn(shell);
    const builtin = await run(t, 'while :; do :; done', { timeoutMs: 300 });
    expect(builtin.timedOut).toBe(true);
    expect(builtin.stdout).not.toContain('^C');
    const job = await run(t, 'echo start; sleep 30', { timeoutMs: 300 });
    expect(job.stdout).not.toContain('^C');
    expect(job.stdout.trimEnd()).toBe('start');
    // A ^C the command prints itself stays.
    expect((await run(t, "printf '^C\\n'")).stdout).toBe('^C\n');
  });
});

describe.each(shells)('adversarial commands in %s', (shell) => {
  const weird = (): string => `${dir}/we\nird ü;x`;
  const cases: Array<{ name: string; cmd: string; opts?: ExecOptions; check?: (r: ExecResult) => void }> = [
    { name: 'a ^C byte inside the command', cmd: 'echo a\x03b', check: (r) => expect(r.exitCode).toBe(0) },
    {
      name: 'fake markers with a key-shaped value',
      cmd: "printf '\\033]633;D;0123456789abcdef0123456789abcdef;0;0;/\\007\\033]633;A;\\007\\033]633;K\\007x\\n'",
      check: (r) => expect(r.stdout).toBe('x\n'),
    },
    {
      name: 'a 200 000-byte single line',
      cmd: `echo ${'x'.repeat(200_000)} | wc -c`,
      check: (r) => expect(r.stdout.trim()).toBe('200001'),
    },
    { name: 'trap on EXIT', cmd: "trap 'echo bye' EXIT", check: (r) => expect(r.exitCode).toBe(0) },
    {
      name: 'cd into a directory with a newline and UTF-8 in its name',
      cmd: `mkdir -p 'we\nird ü;x' && cd 'we\nird ü;x' && pwd`,
      check: (r) => expect(r.cwd).toBe(weird()),
    },
    {
      name: 'stty -echo',
      cmd: 'stty -echo; echo hidden; stty echo',
      check: (r) => expect(r.stdout).toBe('hidden\n'),
    },
    {
      name: 'read -s waiting for input (timed out)',
      cmd: shell === 'sh' ? 'stty -echo; read x; stty echo' : 'read -s x',
      opts: { timeoutMs: 500 },
      check: (r) => expect(r.timedOut).toBe(true),
    },
    {
      name: 'output with an unterminated OSC',
      cmd: "printf '\\033]0;title'; echo; seq 1 3",
      check: (r) => expect(r.stdout).toBe('\n1\n2\n3\n'),
    },
  ];

  test.each(cases)('$name settles and the shell stays usable', async ({ cmd, opts, check }) => {
    const t = await spawn(shell);
    const r = await run(t, cmd, opts);
    check?.(r);
    if (shell !== 'sh') expect((await run(t, 'stty echo; cd /')).exitCode).toBe(0);
    else await run(t, 'stty echo; cd /');
    expect(await run(t, 'echo alive')).toMatchObject({ stdout: 'alive\n', exitCode: 0 });
  });

  test('set -e then a failing command ends the shell cleanly', async () => {
    const t = await spawn(shell);
    await run(t, 'set -e');
    const r = await run(t, 'false');
    // An interactive shell with errexit either exits or reports the failure; either way it settles.
    if (r.shellExited) expect(t.state === 'exited' || (await t.exited)).toBeTruthy();
    else expect(r.exitCode).toBe(1);
  });
});
