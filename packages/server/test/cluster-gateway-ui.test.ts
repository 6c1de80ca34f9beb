// `orchflow serve --cluster … --http 0 --ui`: the web monitor through a cluster gateway, as real
// processes (nats-server, one `orchflow node` with an admin and an agent token, the gateway). A
// login's token is judged by the node, not by the gateway that forwards it: a wrong one is 401 and
// counts toward the login limit; /ui/session shows the principal the node answered; the page's
// WebSocket (session cookie, own Origin) reaches the cluster as that token, so an agent sees and
// controls only its own terminals. With no live node a login is 503, never a session.
import { ClusterDirectory } from '@orchflow/client/internal';
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { cliForTest, tokensFileForTest, waitForStderr } from './cli-run';
import { natsForTest, ncForTest, until } from './cluster-harness';
import { codeOf, fakeMonitorBuild, login, page, pageClient } from './monitor-harness';
import { TOKENS } from './transport-harness';

const ALICE = { kind: 'agent', name: 'alice', agentIdPrefix: 'alice' } as const;

/** Starts the gateway with the monitor; its HTTP URL and banner. */
async function startGateway(natsUrl: string): Promise<{ url: string; banner: string }> {
  const { assetsDir } = await fakeMonitorBuild();
  const child = cliForTest([
    'serve',
    '--log-format',
    'human',
    '--cluster',
    natsUrl,
    '--http',
    '0',
    '--ui',
    '--ui-assets',
    assetsDir,
  ]);
  const banner = await waitForStderr(child, 'policy');
  const url = /http:\/\/127\.0\.0\.1:\d+/.exec(banner)?.[0];
  if (!url) throw new Error(`no HTTP listener in the banner: ${banner}`);
  return { url, banner };
}

describe('orchflow serve --cluster --ui', { timeout: 120_000 }, () => {
  it('logs in with node tokens the node checks; the page works through the gateway as that token', async () => {
    const nats = await natsForTest();
    const nc = await ncForTest(nats.url);
    const directory = await ClusterDirectory.open(nc, { checkIntervalMs: 100 });
    onTestFinished(() => directory.close());
    const node = cliForTest([
      'node',
      '--log-format',
      'human',
      '--nats',
      nats.url,
      '--tokens',
      await tokensFileForTest([
        { token: TOKENS.admin, principal: { kind: 'admin', name: 'ops' } },
        { token: TOKENS.alice, principal: ALICE },
      ]),
      '--policy',
      'trusted',
      '--name',
      'ui-n1',
    ]);
    await waitForStderr(node, 'ready');
    await until(() => directory.nodes().length === 1, 'the node announced');

    const { url, banner } = await startGateway(nats.url);
    expect(banner).toMatch(/monitor\s+http:\/\/127\.0\.0\.1:\d+\/ui\//);
    expect(banner).toMatch(/log in with a token from a node's --tokens/);
    expect(banner).not.toMatch(/#code=/);

    // A token the node does not know: refused by the node, not taken as a stand-in.
    const wrong = await page(url, 'POST', '/ui/login', { token: 'wrong-token-0123456789abcdef' });
    expect(wrong.status).toBe(401);
    expect(codeOf(wrong)).toBe(ErrorCode.Unauthorized);
    expect(wrong.headers.get('set-cookie')).toBeNull();

    // The agent token: the session shows the node's principal for it.
    const aliceCookie = await login(url, { token: TOKENS.alice });
    const aliceSession = await page(url, 'GET', '/ui/session', undefined, { Cookie: aliceCookie });
    expect(aliceSession.status).toBe(200);
    expect(aliceSession.body).toEqual({ principal: ALICE });

    // The admin token shows admin (the page's admin controls) and sees everything.
    const adminCookie = await login(url, { token: TOKENS.admin });
    const adminSession = await page(url, 'GET', '/ui/session', undefined, { Cookie: adminCookie });
    expect(adminSession.body).toEqual({ principal: { kind: 'admin', name: 'ops' } });
    const admin = await pageClient(url, adminCookie);
    expect(admin.principal).toMatchObject({ kind: 'admin' });
    const opsTerminal = await admin.spawnTerminal('ops-1');
    expect(opsTerminal.id).toMatch(/^ui-n1_/);

    // The agent's page WebSocket: the node's principal, its own terminals only.
    const alice = await pageClient(url, aliceCookie);
    expect(alice.principal).toMatchObject(ALICE);
    const mine = await alice.spawnTerminal('alice-1');
    expect(mine.id).toMatch(/^ui-n1_/);
    expect(await mine.execute('echo via-monitor')).toMatchObject({ stdout: 'via-monitor\n', exitCode: 0 });
    const aliceIds = (await alice.listTerminals()).map((t) => t.id);
    expect(aliceIds).toContain(mine.id);
    expect(aliceIds).not.toContain(opsTerminal.id);
    const refused = await alice.spawnTerminal('ops-2').then(
      () => new Error('expected a refusal'),
      (error: unknown) => error,
    );
    expect(isOrchflowError(refused), String(refused)).toBe(true);
    const adminIds = (await admin.listTerminals()).map((t) => t.id);
    expect(adminIds).toEqual(expect.arrayContaining([mine.id, opsTerminal.id]));

    // Logging out ends the session: /ui/session answers 401 again.
    expect((await page(url, 'POST', '/ui/logout', {}, { Cookie: aliceCookie })).status).toBe(204);
    expect((await page(url, 'GET', '/ui/session', undefined, { Cookie: aliceCookie })).status).toBe(401);

    // Refused tokens count toward the login limit (10 a minute by default; one failed above).
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      statuses.push((await page(url, 'POST', '/ui/login', { token: `guess-${i}-0123456789abcdef` })).status);
    }
    expect(statuses.slice(0, 9)).toEqual(Array(9).fill(401));
    expect(statuses[9]).toBe(429);
  });

  it('answers a login 503 while no node is live, and makes no session', async () => {
    const nats = await natsForTest();
    const { url, banner } = await startGateway(nats.url);
    expect(banner).toMatch(/no live node yet/);
    const answer = await page(url, 'POST', '/ui/login', { token: TOKENS.admin });
    expect(answer.status).toBe(503);
    expect(codeOf(answer)).toBe(ErrorCode.Unavailable);
    expect(JSON.stringify(answer.body)).toMatch(/No node of cluster/);
    expect(answer.headers.get('set-cookie')).toBeNull();
  });
});
