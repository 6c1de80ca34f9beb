// What a newcomer meets first on the command line (issue #13): `serve --policy` takes preset
// names and always says which policy is in force, network listeners default to a restrictive
// preset, the start-up message is human text on a terminal and JSON otherwise, `exec` forwards
// piped stdin and ends with EOF, picks a mode the backend can run, and a server started by npx
// does not outlive it. Each test starts the CLI several times (from source, through tsx): the
// generous timeouts are for a loaded 2-core machine, not for anything that waits on a clock.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { humanLogLine } from '../src/human-log';
import {
  CLI_NODE_ARGS,
  listenerAddress,
  listeningLine,
  runCli,
  SERVER_ROOT,
  spawnCli,
  waitForStderr,
} from './cli-run';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orchflow-first-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Starts `serve` with `args`, waits for its start-up message and stops it after the test. */
async function startServer(args: string[], needle: string): Promise<string> {
  const server = spawnCli(['serve', ...args]);
  const exited = new Promise((resolve) => server.once('close', resolve));
  onTestFinished(async () => {
    server.kill('SIGTERM');
    await exited;
  });
  return waitForStderr(server, needle);
}

describe('serve: the effective policy', { timeout: 90_000 }, () => {
  it('accepts a preset name, says so, and holds clients to it', async () => {
    const socket = join(dir, 'standard.sock');
    const banner = await startServer(
      ['--unix', socket, '--policy', 'standard', '--log-format', 'human'],
      'policy',
    );
    expect(banner).toMatch(/policy\s+standard \(preset\)/);
    expect(banner).toContain('Ctrl-C to stop');
    const denied = await runCli(['exec', '--server', `unix:${socket}`, '--', 'sudo true']);
    expect(denied.code).toBe(126);
    expect(denied.stderr).toMatch(/PolicyDenied/);
  });

  it("names the CLI's own options when a token is refused", async () => {
    const started = await startServer(['--ws', '0', '--token', 'right-token-0123456789'], '"listening"');
    const url = listenerAddress(listeningLine(started), 'websocket');
    const refused = await runCli(['ls', '--server', url, '--token', 'wrong-token-0123456789']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/not accepted.*\(--token or \$ORCHFLOW_TOKEN\).*Unauthorized/);
    expect(refused.stderr).not.toContain('client option');
  });

  it('defaults to standard with a network listener and to trusted when local only, in JSON off a terminal', async () => {
    const network = await startServer(['--ws', '0', '--unix', join(dir, 'net.sock')], '"listening"');
    const line = listeningLine(network);
    expect(line.policy).toMatch(/^standard \(default/);
    expect(line.token).toMatch(/\S{16,}/);
    expect(line.listeners.map((l: { transport: string }) => l.transport)).toEqual([
      'unix socket',
      'websocket',
    ]);
    // The start-up line is not a log line: --log-level silent does not hide where it listens.
    const local = await startServer(
      ['--unix', join(dir, 'local.sock'), '--log-level', 'silent'],
      '"listening"',
    );
    expect(local).toMatch(/"policy":"trusted \(default/);
    expect(local).not.toContain('Ctrl-C');
  });

  it('refuses an unknown policy naming the presets', async () => {
    const result = await runCli(['serve', '--unix', join(dir, 'x.sock'), '--policy', 'strict']);
    expect(result.code).toBe(2);
    for (const preset of ['aiSafe', 'locked', 'standard', 'trusted']) expect(result.stderr).toContain(preset);
  });

  it('in --stdio mode writes nothing but protocol to stdout and no Ctrl-C hint', async () => {
    const result = await runCli(['serve', '--stdio', '--log-format', 'human']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('stops when stdin closes');
    expect(result.stderr).not.toContain('Ctrl-C');
  });
});

describe('exec: stdin, timeouts and modes', { timeout: 90_000 }, () => {
  it('forwards piped stdin and then EOF', async () => {
    expect(await runCli(['exec', '--', 'cat'], {}, 'hi\n')).toMatchObject({ code: 0, stdout: 'hi\n' });
    // No trailing newline, multi-byte text split across reads, and more than one pipe buffer.
    const text = `${'héllo wörld ✓ '.repeat(20_000)}end`;
    const counted = await runCli(['exec', '--', 'wc -c'], {}, text);
    expect(counted).toMatchObject({ code: 0 });
    expect(Number(counted.stdout.trim())).toBe(Buffer.byteLength(text));
    // A command that does not read stdin is not held up by it.
    expect(await runCli(['exec', '--', 'echo', 'done'], {}, 'ignored\n')).toMatchObject({
      code: 0,
      stdout: 'done\n',
    });
  });

  it('says why when the server refuses the input, instead of hanging or "cancelled"', async () => {
    const socket = join(dir, 'no-input.sock');
    // standard refuses raw input (terminal.write), which is how stdin reaches the command.
    await startServer(['--unix', socket, '--policy', 'standard'], '"listening"');
    const result = await runCli(['exec', '--server', `unix:${socket}`, '--', 'cat'], {}, 'hi\n');
    expect(result.code).toBe(125);
    // In the words of a person at a shell: what to do, not the API's advice.
    expect(result.stderr).toMatch(
      /piped stdin cannot reach the command: the server's policy refuses raw input\. .*<\/dev\/null.*--policy trusted/,
    );
    // Nothing piped: the refused EOF does not stop a command that never reads stdin.
    const plain = await runCli(['exec', '--server', `unix:${socket}`, '--', 'echo', 'runs']);
    expect(plain).toMatchObject({ code: 0, stdout: 'runs\n' });
  });

  it('gives an empty stdin as EOF instead of hanging', async () => {
    expect(await runCli(['exec', '--', 'cat; echo after'])).toMatchObject({ code: 0, stdout: 'after\n' });
  });

  it('times out with 124 and says how to change it; 0 means no timeout', async () => {
    const slow = await runCli(['exec', '--timeout', '500', '--', 'sleep 30']);
    expect(slow.code).toBe(124);
    expect(slow.stderr).toMatch(/timed out after 500 ms \(--timeout MS to change, 0 for none\)/);
    expect(await runCli(['exec', '--timeout', '0', '--', 'true'])).toMatchObject({ code: 0 });
    const bad = await runCli(['exec', '--timeout', '-1', '--', 'true']);
    expect(bad.code).not.toBe(0);
  });

  it('runs against a tmux server in a PTY instead of failing on scripted mode', async () => {
    const socket = join(dir, 'tmux.sock');
    const tmuxSocket = `orchflow-first-${process.pid}`;
    await startServer(['--unix', socket, '--backend', 'tmux', '--tmux-socket', tmuxSocket], '"listening"');
    onTestFinished(() => {
      spawn('tmux', ['-L', tmuxSocket, 'kill-server'], { stdio: 'ignore' });
    });
    const result = await runCli(['exec', '--server', `unix:${socket}`, '--', 'echo from-tmux; (exit 4)']);
    expect(result.code).toBe(4);
    expect(result.stdout).toContain('from-tmux');
    expect(result.stderr).toMatch(/no scripted mode; running in a PTY/);
  });
});

describe('serve under npx', { timeout: 90_000 }, () => {
  it('shuts down when the npm process that started it is gone', async () => {
    const socket = join(dir, 'npx.sock');
    // sh plays npm exec: it starts the server, prints its pid, and is then killed without
    // passing the signal on, as npx does with SIGTERM.
    const cli = [process.execPath, ...CLI_NODE_ARGS, 'serve', '--unix', socket]
      .map((a) => `'${a}'`)
      .join(' ');
    const npm = spawn('sh', ['-c', `${cli} 2>/dev/null & echo $!; wait`], {
      cwd: SERVER_ROOT,
      env: { ...process.env, npm_command: 'exec' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const pid = Number(
      await new Promise<string>((resolve) => npm.stdout.once('data', (d) => resolve(String(d)))),
    );
    onTestFinished(() => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    });
    await waitFor(async () => (await stat(socket).catch(() => undefined)) !== undefined);
    npm.kill('SIGKILL');
    await waitFor(() => !alive(pid));
    await expect(stat(socket)).rejects.toThrow(/ENOENT/);
  });
});

describe('human log lines', () => {
  it('renders pino JSON as time, level, message and fields', () => {
    const line = JSON.stringify({
      level: 40,
      time: 0,
      pid: 1,
      msg: 'connection error',
      err: 'bad frame',
      n: 2,
    });
    expect(humanLogLine(line)).toMatch(/^\d\d:\d\d:\d\d WARN {2}connection error err="bad frame" n=2\n$/);
    expect(humanLogLine('not json')).toBe('not json\n');
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
