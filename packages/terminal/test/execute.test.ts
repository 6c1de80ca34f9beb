// execute() in a persistent PTY shell, for every shell kind with shell integration: bash and zsh
// (hooks) and sh (the wrapper fallback). zsh runs when it is installed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Terminal } from '../src/terminal';
import { hasShell } from './fixture';

const shells = ['bash', 'zsh', 'sh'].filter(hasShell);
// The marker syntax with a key-shaped value, as a program trying to fake a marker would print it.
const FAKE_NONCE = '0123456789abcdef0123456789abcdef';

describe.each(shells)('execute in %s', (shell) => {
  let t: Terminal;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orchflow-exec-'));
    t = await Terminal.spawn({ shell, cwd: dir, cols: 80, rows: 24 });
  });

  afterAll(async () => {
    await t?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  test('reports stdout and exit codes 0, 1 and 42', async () => {
    const ok = await t.execute('echo hello');
    expect(ok).toMatchObject({ stdout: 'hello\n', stderr: '', exitCode: 0, signal: null, timedOut: false });
    expect((await t.execute('false')).exitCode).toBe(1);
    expect((await t.execute('(exit 42)')).exitCode).toBe(42);
    expect((await t.execute('true')).stdout).toBe('');
  });

  test('keeps cwd, variables and functions between commands', async () => {
    await t.execute('mkdir -p "sub dir/é" && cd "sub dir/é"');
    const pwd = await t.execute('pwd');
    expect(pwd.stdout).toBe(`${dir}/sub dir/é\n`);
    expect(pwd.cwd).toBe(`${dir}/sub dir/é`);
    expect(t.cwd).toBe(`${dir}/sub dir/é`);
    await t.execute('MY_VAR=persisted; greet() { echo "hi $1"; }');
    expect((await t.execute('echo $MY_VAR; greet you')).stdout).toBe('persisted\nhi you\n');
    await t.execute(`cd ${dir}`);
  });

  test('runs multi-line commands, heredocs, quotes, marker-like text and UTF-8 as one unit', async () => {
    const cmd = [
      'x=1',
      'if [ "$x" = 1 ]; then echo \'single "quoted"\'; fi',
      "cat <<'EOF'",
      'heredoc line $x',
      '\ttabbed \\ back',
      ']633;D;not-a-marker',
      'EOF',
      'echo "UTF-8: héllo 😀 日本"',
    ].join('\n');
    const r = await t.execute(cmd);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(
      'single "quoted"\nheredoc line $x\n\ttabbed \\ back\n]633;D;not-a-marker\nUTF-8: héllo 😀 日本\n',
    );
  });

  test('output without a final newline is exact', async () => {
    expect((await t.execute('printf abc')).stdout).toBe('abc');
    expect((await t.execute("printf 'a\\nb'")).stdout).toBe('a\nb');
  });

  test('program output that fakes markers cannot end the command', async () => {
    const before = t.read({}).endOffset;
    const fakes = [`D;${FAKE_NONCE};0;0;%2F`, `C;${FAKE_NONCE};0`, 'D;;0;', 'D', 'K'];
    const printers = fakes.map((f) => `printf '\\033]633;%s\\007' '${f}'`).join('; ');
    const r = await t.execute(`${printers}; sleep 0.3; echo real-end; (exit 5)`);
    expect(r.exitCode).toBe(5);
    expect(r.stdout).toBe('real-end\n');
    // Subscribers and read() see the fakes as printed, and never a real marker.
    const seen = t.read({ fromOffset: before }).data;
    for (const f of fakes) expect(seen).toContain(`\x1b]633;${f}\x07`);
    expect(seen.split('\x1b]633;').length - 1).toBe(fakes.length);
  });

  test('a syntax error completes with status 2 and the shell stays usable', async () => {
    const r = await t.execute('echo never )');
    expect(r.exitCode).toBe(shell === 'zsh' ? 1 : 2);
    expect((await t.execute('echo still-here')).stdout).toBe('still-here\n');
  });

  test('a background job returns at once', async () => {
    const r = await t.execute('sleep 100 &', { timeoutMs: 10_000 });
    expect(r.timedOut).toBe(false);
    expect(r.exitCode).toBe(0);
    await t.execute('kill $! && wait $! 2>/dev/null; true');
  });

  test('a command reading stdin gets what write() sends', async () => {
    const r = await t.execute('echo ready; read -r line; echo "got:$line"', {
      timeoutMs: 15_000,
      onOutput: (chunk) => {
        if (chunk.data.includes('ready')) t.write('typed input\r');
      },
    });
    expect(r.exitCode).toBe(0);
    // The PTY echoes what was typed, as a terminal shows it.
    expect(r.stdout).toBe('ready\ntyped input\ngot:typed input\n');
  });

  test('a timeout interrupts with SIGINT (status 130) and the shell stays usable', async () => {
    const r = await t.execute('sleep 30', { timeoutMs: 300 });
    expect(r).toMatchObject({ timedOut: true, exitCode: 130, signal: 'SIGINT' });
    expect((await t.execute('echo after-timeout')).stdout).toBe('after-timeout\n');
  });

  test('long commands go through a private file and still run in the shell', async () => {
    const long = `LONG_VAR=${'y'.repeat(5000)}; echo \${#LONG_VAR}`;
    const r = await t.execute(long);
    expect(r.stdout).toBe('5000\n');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion
    expect((await t.execute('echo ${#LONG_VAR}')).stdout).toBe('5000\n');
  });

  test('exit ends the shell: shellExited, exit code, later calls reject', async () => {
    const own = await Terminal.spawn({ shell, cwd: dir });
    const r = await own.execute('echo bye; exit 7');
    expect(r.shellExited).toBe(true);
    expect(r.exitCode).toBe(7);
    // Exactly the command's output: bash's own "exit" as it leaves is not part of it.
    expect(r.stdout).toBe('bye\n');
    expect(await own.exited).toEqual({ exitCode: 7, signal: null });
    expect(own.state).toBe('exited');
    await expect(own.execute('echo no')).rejects.toMatchObject({ codeName: 'TerminalExited' });
  });

  test("exit after output without a final newline leaves the shell's goodbye out", async () => {
    const own = await Terminal.spawn({ shell, cwd: dir });
    expect(await own.execute('printf "a\\nb"; exit 1')).toMatchObject({ stdout: 'a\nb', exitCode: 1 });
  });

  test('exec replaces the shell: shellExited with the program’s exit code', async () => {
    const own = await Terminal.spawn({ shell, cwd: dir });
    const r = await own.execute('exec sh -c "echo replaced; exit 3"');
    expect(r).toMatchObject({ shellExited: true, exitCode: 3 });
    expect(r.stdout).toBe('replaced\n');
  });
});
