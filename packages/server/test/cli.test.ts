// The `orchflow` CLI as a real process: --help everywhere, `exec` propagating exit codes (in
// process and through a server), `serve --unix` with `ls`/`exec --server`, graceful SIGTERM, and
// errors that say what to do.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '@orchflow/security';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detachByte } from '../src/cli/attach';
import { commandLine } from '../src/cli/exec';
import { runCli, spawnCli, waitForStderr } from './cli-run';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orchflow-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('help and usage errors', () => {
  it('--help on every command exits 0 with usage', async () => {
    const commands = [[], ['serve'], ['exec'], ['ls'], ['attach'], ['audit', 'verify']];
    const results = await Promise.all(commands.map((command) => runCli([...command, '--help'])));
    for (const [i, { code, stdout }] of results.entries()) {
      expect(code, commands[i]?.join(' ')).toBe(0);
      expect(stdout).toContain(`Usage: orchflow ${commands[i]?.[0] ?? ''}`);
    }
    // Six CLIs start at once from source (tsx transpiles each cold, ~1 s of CPU apiece): on two
    // shared cores that took 14 s beside other test files, past the default 20 s under more load.
  }, 60_000);

  it('says what to do on bad usage', async () => {
    const noServer = await runCli(['ls'], { ORCHFLOW_SERVER: '' });
    expect(noServer.code).toBe(1);
    expect(noServer.stderr).toMatch(/--server unix:/);
    const badPort = await runCli(['serve', '--ws', 'x']);
    expect(badPort.code).not.toBe(0);
    expect(badPort.stderr).toMatch(/not a port/);
    // Usage errors exit 2, whether commander or orchflow finds them.
    const nothing = await runCli(['serve']);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/Nothing to serve/);
    const level = await runCli(['serve', '--stdio', '--log-level', 'loud']);
    expect([level.code, level.stderr]).toEqual([
      2,
      expect.stringMatching(/Allowed choices are trace, debug, info/),
    ]);
    const short = await runCli(['serve', '--ws', '0', '--token', 'abc']);
    expect([short.code, short.stderr]).toEqual([
      2,
      expect.stringMatching(/--token must be at least 16 characters/),
    ]);
    const missing = await runCli(['replay']);
    expect([missing.code, missing.stderr]).toEqual([
      2,
      expect.stringMatching(/missing required argument 'file'/),
    ]);
    // A subcommand names its own help.
    const nested = await runCli(['record', 'list']);
    expect([nested.code, nested.stderr]).toEqual([
      2,
      expect.stringContaining('run orchflow record list --help'),
    ]);
    // Flag values that cannot be used are usage errors too, before anything listens.
    const exposed = await runCli(['serve', '--ws', '0', '--host', '0.0.0.0']);
    expect(exposed.code).toBe(2);
    expect(exposed.stderr).toMatch(/Refusing to listen on '0\.0\.0\.0' without authentication/);
    const policy = await runCli(['serve', '--ws', '0', '--policy', 'nonsense']);
    expect([policy.code, policy.stderr]).toEqual([
      2,
      expect.stringMatching(/Cannot load policy file 'nonsense'/),
    ]);
    const tokens = await runCli(['serve', '--ws', '0', '--tokens', '/nonexistent/tokens.json']);
    expect([tokens.code, tokens.stderr]).toEqual([2, expect.stringMatching(/Cannot read tokens file/)]);
    // Thirteen CLIs in a row from source: 48–52 s with half a core.
  }, 120_000);
});

describe('audit verify', () => {
  it('reports an intact log with 0 and a tampered one with 1', async () => {
    const file = join(dir, 'audit.log');
    const log = await AuditLog.open(file);
    const subject = { commandId: 'c1', agentId: 'a', terminalId: 't', command: 'echo hi' };
    await log.append({
      ...subject,
      kind: 'decision',
      programs: ['echo'],
      decision: 'allow',
      isolation: 'none',
    });
    await log.append({ ...subject, kind: 'decision', programs: ['rm'], decision: 'deny', isolation: 'none' });
    await log.close();
    const intact = await runCli(['audit', 'verify', file]);
    expect(intact).toMatchObject({ code: 0, stdout: expect.stringMatching(/^ok: 2 entries/) });
    const lines = (await readFile(file, 'utf8')).split('\n');
    await writeFile(file, [lines[0]?.replace('echo hi', 'echo HI'), ...lines.slice(1)].join('\n'));
    const tampered = await runCli(['audit', 'verify', file]);
    expect(tampered).toMatchObject({ code: 1, stdout: expect.stringMatching(/BROKEN at line 1/) });
  });
});

describe('exec', () => {
  it('propagates the exit code and separates stdout from stderr', async () => {
    const ok = await runCli(['exec', '--', 'echo', 'two words']);
    expect(ok).toMatchObject({ code: 0, stdout: 'two words\n' });
    const failed = await runCli(['exec', '--', 'echo oops >&2; exit 7']);
    expect(failed).toMatchObject({ code: 7, stdout: '' });
    expect(failed.stderr).toContain('oops');
  });

  it('builds shell lines from argv', () => {
    expect(commandLine(['ls | wc -l'])).toBe('ls | wc -l');
    expect(commandLine(['echo', "it's", 'a b'])).toBe("echo 'it'\\''s' 'a b'");
    expect(detachByte('ctrl-]')).toBe(0x1d);
    expect(() => detachByte('x')).toThrow(/detach-key/);
  });
});

describe('serve --unix', () => {
  it('serves ls and exec --server, then stops on SIGTERM with exit 0 and removes the socket', async () => {
    const socket = join(dir, 'cli.sock');
    const server = spawnCli(['serve', '--unix', socket]);
    const exited = new Promise<number | null>((resolve) => server.once('close', (code) => resolve(code)));
    const banner = await waitForStderr(server, 'unix socket');
    expect(banner).toContain(`--server unix:${socket}`);
    const url = `unix:${socket}`;
    const run = await runCli(['exec', '--server', url, '--agent', 'a1', '--', 'exit 3']);
    expect(run.code).toBe(3);
    const listed = await runCli(['ls', '--json'], { ORCHFLOW_SERVER: url });
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([]);
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(stat(socket)).rejects.toThrow(/ENOENT/);
  });
});
