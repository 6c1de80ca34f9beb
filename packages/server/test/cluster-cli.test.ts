// `orchflow node` as a real process (the CLI from source, as the built bin runs it) on a real
// nats-server: usage errors exit 2, refused NATS credentials exit 1 with a clear line, a node
// killed with SIGKILL is reported lost within its TTL, SIGTERM stops it gracefully.
import { ClusterDirectory, connectNatsNode } from '@orchflow/client/internal';
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type NodeFlags, runNode } from '../src/cli/node';
import { cliForTest, runCli, tokensFileForTest, waitForStderr } from './cli-run';
import { natsForTest, ncForTest } from './cluster-harness';
import { TOKENS } from './transport-harness';

function startNode(args: string[]) {
  const child = cliForTest(['node', '--log-format', 'human', ...args]);
  return child;
}

describe('orchflow node: usage', () => {
  it('refuses bad flags with InvalidParams naming the flag, and exits 2 for them', async () => {
    const base = { nats: 'nats://127.0.0.1:1', backend: 'direct' };
    const cases: [NodeFlags, RegExp][] = [
      [{ backend: 'direct' }, /needs --nats/],
      [{ ...base, name: 'a_b' }, /Invalid node id 'a_b'/],
      [{ ...base, labels: 'nokey' }, /--labels takes k=v/],
      [{ ...base, capacity: '-3' }, /--capacity must be a number > 0/],
      [{ ...base, nodeTtl: '1.5' }, /--node-ttl must be a whole number/],
      [{ ...base, clusterName: 'a.b' }, /Invalid cluster name/],
      [{ ...base, natsPass: 'x' }, /--nats-pass needs --nats-user/],
      [{ ...base, natsToken: 't', natsCreds: 'f' }, /Pass one of --nats-token/],
      [{ ...base, backend: 'docker' }, /Unknown backend 'docker'/],
      [{ ...base }, /needs --tokens FILE .* --insecure-no-auth/],
    ];
    for (const [flags, message] of cases) {
      const error = await runNode(flags).catch((e) => e);
      expect(isOrchflowError(error) && error.code, JSON.stringify(flags)).toBe(ErrorCode.InvalidParams);
      expect(error.message).toMatch(message);
    }
    // The CLI turns them into exit status 2 and one line on stderr.
    const run = await runCli(['node', '--nats', 'nats://127.0.0.1:1', '--labels', 'nokey']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^orchflow: --labels takes k=v/);
  }, 60_000);

  it('exits 1 with a clear line when NATS refuses the credentials', async () => {
    const nats = await natsForTest({ token: 'right-nats-token' });
    const run = await runCli([
      'node',
      '--nats',
      nats.url,
      '--name',
      'n1',
      '--nats-token',
      'wrong',
      '--insecure-no-auth',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/refused the credentials.*Unauthorized/);
  }, 30_000);
});

describe('orchflow node: lifecycle', () => {
  it('serves sessions; SIGKILL → node-lost within the TTL; SIGTERM → key deleted', async () => {
    const nats = await natsForTest();
    const tokens = await tokensFileForTest([{ token: TOKENS.admin, principal: { kind: 'admin' } }]);
    const nc = await ncForTest(nats.url);
    const directory = await ClusterDirectory.open(nc, { checkIntervalMs: 100 });
    onTestFinished(() => directory.close());
    const ttl = 1500;
    const base = ['--nats', nats.url, '--tokens', tokens, '--node-ttl', String(ttl), '--policy', 'trusted'];

    const k1 = startNode([...base, '--name', 'k1', '--labels', 'zone=a']);
    const k2 = startNode([...base, '--name', 'k2']);
    await Promise.all([waitForStderr(k1, 'ready'), waitForStderr(k2, 'ready')]);
    expect(directory.get('k1')?.labels).toEqual({ zone: 'a' });
    expect(directory.get('k2')).toBeDefined();

    const client = await connectNatsNode({
      connection: nc,
      node: 'k1',
      token: TOKENS.admin,
      reconnect: false,
    });
    const terminal = await client.spawnTerminal('agent');
    expect(terminal.id).toMatch(/^k1_/);
    expect(await terminal.execute('echo hi')).toMatchObject({ stdout: 'hi\n', exitCode: 0 });

    const lost = new Promise<{ id: string; reason: string; at: number }>((resolve) =>
      directory.on('node-lost', (event) => resolve({ ...event, at: Date.now() })),
    );
    const killedAt = Date.now();
    k1.kill('SIGKILL');
    const event = await lost;
    expect(event).toMatchObject({ id: 'k1', reason: 'ttl' });
    // Within the TTL of the last heartbeat (sent at most ttl/3 before the kill), plus the check tick.
    expect(event.at - killedAt).toBeLessThan(ttl + 1_000);
    expect(directory.nodes().map((n) => n.id)).toEqual(['k2']);
    // Its session ends: the node stopped answering (keepalive TTL) — here we just close it.
    await client.close();

    const gone = new Promise((resolve) => directory.on('node-lost', resolve));
    const exited = new Promise<number | null>((resolve) => k2.once('exit', (code) => resolve(code)));
    k2.kill('SIGTERM');
    expect(await gone).toMatchObject({ id: 'k2', reason: 'deleted' });
    expect(await exited).toBe(0);
  }, 90_000);
});
