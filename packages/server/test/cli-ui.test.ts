// `orchflow serve --http PORT --ui`: the monitor on the HTTP listener, announced with a one-time
// login link (the code in the URL fragment) for the admin token — generated, --token or the first
// admin of --tokens — and working with every token kind. Run from source through tsx; the generous
// timeout is for a loaded 2-core machine, not for anything that waits on a clock.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runCli, spawnCli, waitForStderr } from './cli-run';
import { fakeMonitorBuild, login, page, VIEWER_TOKEN } from './monitor-harness';
import { TOKENS } from './transport-harness';

/** Starts `serve` with `args`, waits for `needle` on stderr and stops the server after the test. */
async function startServer(args: string[], needle: string): Promise<string> {
  const server = spawnCli(['serve', ...args]);
  const exited = new Promise((resolve) => server.once('close', resolve));
  onTestFinished(async () => {
    server.kill('SIGTERM');
    await exited;
  });
  return waitForStderr(server, needle);
}

/** The JSON start-up line. */
function listening(stderr: string): {
  token?: string;
  loginUrl?: string;
  listeners: { transport: string; address?: string; connect: string }[];
} {
  return JSON.parse(stderr.split('\n').find((text) => text.includes('"listening"')) ?? '');
}

describe('serve --ui', { timeout: 90_000 }, () => {
  it('needs --http, and --ui-assets needs --ui', async () => {
    const alone = await runCli(['serve', '--ui', '--ws', '0']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain(
      '--ui serves the web monitor at /ui/ on the HTTP listener: pass --http PORT too',
    );
    const assets = await runCli(['serve', '--http', '0', '--ui-assets', '/tmp']);
    expect(assets.code).toBe(2);
    expect(assets.stderr).toContain('pass --ui too');
    const secure = await runCli(['serve', '--http', '0', '--ui-secure-cookie']);
    expect(secure.code).toBe(2);
    expect(secure.stderr).toContain('--ui-secure-cookie marks the cookie of the monitor --ui serves');
    const lifetime = await runCli(['serve', '--http', '0', '--ui-session-lifetime', '8h']);
    expect([lifetime.code, lifetime.stderr]).toEqual([2, expect.stringContaining('pass --ui too')]);
    const zero = await runCli(['serve', '--http', '0', '--ui', '--ui-session-lifetime', '0']);
    expect([zero.code, zero.stderr]).toEqual([2, expect.stringContaining("'0' is not a session lifetime")]);
  });

  it('with --ui-secure-cookie, marks the session cookie Secure', async () => {
    const { assetsDir } = await fakeMonitorBuild();
    const banner = await startServer(
      [
        ...['--http', '0', '--ui', '--ui-assets', assetsDir, '--token', TOKENS.admin],
        ...['--log-format', 'human', '--ui-secure-cookie'],
      ],
      'login link',
    );
    const base = (/login link\s+(http:\/\/\S+)/.exec(banner)?.[1] ?? '').replace(/\/ui\/#code=.*$/, '');
    const answer = await page(base, 'POST', '/ui/login', { token: TOKENS.admin });
    expect(answer.headers.get('set-cookie')).toMatch(/; Secure$/);
  });

  it('prints a one-time login link for the generated token; the code logs in once, the token too', async () => {
    const { assetsDir } = await fakeMonitorBuild();
    const line = listening(
      await startServer(
        ['--http', '0', '--ui', '--ui-assets', assetsDir, '--log-format', 'json'],
        '"listening"',
      ),
    );
    const monitor = line.listeners.find((l) => l.transport === 'monitor');
    expect(monitor?.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ui\/$/);
    const base = (monitor?.address ?? '').replace(/\/ui\/$/, '');
    expect(line.loginUrl).toMatch(new RegExp(`^${base}/ui/#code=[A-Za-z0-9_-]{43}$`));
    expect((await fetch(`${base}/ui/`)).status).toBe(200);
    const code = (line.loginUrl ?? '').split('#code=')[1] ?? '';
    const cookie = await login(base, { code });
    expect((await page(base, 'GET', '/ui/session', undefined, { Cookie: cookie })).body).toEqual({
      principal: { kind: 'admin' },
    });
    expect((await page(base, 'POST', '/ui/login', { code })).status).toBe(401);
    expect(await login(base, { token: line.token ?? '' })).toMatch(/^orchflow_session=/);
  });

  it('with --token, says where the monitor is and prints the link in the human banner', async () => {
    const { assetsDir } = await fakeMonitorBuild();
    const banner = await startServer(
      ['--http', '0', '--ui', '--ui-assets', assetsDir, '--token', TOKENS.admin, '--log-format', 'human'],
      'login link',
    );
    expect(banner).toMatch(/monitor\s+http:\/\/127\.0\.0\.1:\d+\/ui\//);
    const link = /login link\s+(http:\/\/\S+)/.exec(banner)?.[1] ?? '';
    const base = link.replace(/\/ui\/#code=.*$/, '');
    expect(await login(base, { token: TOKENS.admin })).toMatch(/^orchflow_session=/);
    expect(await login(base, { code: link.split('#code=')[1] ?? '' })).toMatch(/^orchflow_session=/);
  });

  it('with --tokens and no admin token: no link, and a viewer token logs in read-only', async () => {
    const { root, assetsDir } = await fakeMonitorBuild();
    const file = join(root, 'tokens.json');
    await writeFile(
      file,
      JSON.stringify({
        tokens: [
          { token: VIEWER_TOKEN, principal: { kind: 'viewer', name: 'wall' } },
          { token: TOKENS.alice, principal: { kind: 'agent', name: 'alice', agentIdPrefix: 'alice' } },
        ],
      }),
    );
    const line = listening(
      await startServer(
        ['--http', '0', '--ui', '--ui-assets', assetsDir, '--tokens', file, '--log-format', 'json'],
        '"listening"',
      ),
    );
    expect(line.loginUrl).toBeUndefined();
    const monitor = line.listeners.find((l) => l.transport === 'monitor');
    expect(monitor?.connect).toBe('log in with a token');
    const base = (monitor?.address ?? '').replace(/\/ui\/$/, '');
    const cookie = await login(base, { token: VIEWER_TOKEN });
    expect((await page(base, 'GET', '/ui/session', undefined, { Cookie: cookie })).body).toEqual({
      principal: { kind: 'viewer', name: 'wall' },
    });
  });
});
