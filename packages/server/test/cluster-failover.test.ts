// The two failure cases of a cluster that need real processes on both sides, through
// `OrchflowClient.nats`: (1) a tmux-backed `orchflow node` killed with SIGKILL leaves its tmux
// server running; restarted under the same name and socket it re-adopts its terminals, announces
// itself again, and the terminals answer under their old ids with their shell state intact.
// (2) nats-server killed and restarted on its port while a client streams a command's output:
// every line arrives exactly once and in order (the stream resumes by offset, no gap), the
// command's own request ends with its result or a retryable error, and both nodes serve spawns
// and executes afterwards.
import { spawnSync } from 'node:child_process';
import type { OutputEvent } from '@orchflow/client';
import { ClusterDirectory } from '@orchflow/client/internal';
import { OrchflowClient } from '@orchflow/client/node';
import { tmuxSessionName } from '@orchflow/mux';
import { ErrorCode } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { cliForTest, tokensFileForTest, waitForStderr } from './cli-run';
import { natsForTest, ncForTest, until } from './cluster-harness';
import { TOKENS } from './transport-harness';

const owner = (id: string): string => id.slice(0, id.indexOf('_'));

/** An `orchflow node` process, SIGKILLed at the test's end if still running; resolves once ready. */
async function startNode(args: string[]) {
  const child = cliForTest(['node', '--log-format', 'human', ...args]);
  await waitForStderr(child, 'ready');
  return child;
}

async function client(url: string): Promise<OrchflowClient> {
  const connected = await OrchflowClient.nats({ servers: url, token: TOKENS.admin, checkIntervalMs: 100 });
  onTestFinished(() => connected.close());
  return connected;
}

/** `promise`, or a failure naming `what` after `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The `line-N` lines of `text` (the loop's output; its echoed command line has `line-$i`). */
function numberedLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => /^line-\d+$/.test(line));
}

const tokensFile = () => tokensFileForTest([{ token: TOKENS.admin, principal: { kind: 'admin' } }]);

describe('cluster failover over OrchflowClient.nats', () => {
  it('a tmux node restarted after SIGKILL re-adopts its terminals under the same ids', async () => {
    const socket = `orchflow-failover-${process.pid}`;
    onTestFinished(() => {
      spawnSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
    });
    const nats = await natsForTest();
    const ttl = 3_000;
    const args = [
      '--nats',
      nats.url,
      '--tokens',
      await tokensFile(),
      '--node-ttl',
      String(ttl),
      '--policy',
      'trusted',
      '--backend',
      'tmux',
      '--tmux-socket',
      socket,
      '--name',
      't1',
    ];
    const first = await startNode(args);
    const c = await client(nats.url);

    const t = await c.spawnTerminal('survivor');
    expect(owner(t.id)).toBe('t1');
    expect(await t.execute('echo before; X=kept')).toMatchObject({ stdout: 'before\n', exitCode: 0 });

    // SIGKILL: no goodbye, the tmux server (a daemon of its own) keeps the shell running.
    const exits: unknown[] = [];
    await t.onExit((exit) => exits.push(exit));
    first.kill('SIGKILL');
    await until(() => exits.length > 0, 'the client to report the node lost', ttl + 10_000);
    expect(exits).toEqual([{ exitCode: null, signal: null, reason: 'node-lost' }]);
    const whileLost = await c.listTerminals();
    expect(whileLost.find((x) => x.id === t.id)).toMatchObject({ state: 'exited', exitReason: 'node-lost' });
    const alive = spawnSync('tmux', ['-L', socket, 'list-sessions', '-F', '#{session_name}'], {
      encoding: 'utf8',
    });
    expect(alive.stdout.split('\n')).toContain(tmuxSessionName(t.id));

    // The same name and socket: the node adopts the session and announces itself again.
    const directory = await ClusterDirectory.open(await ncForTest(nats.url), { checkIntervalMs: 100 });
    onTestFinished(() => directory.close());
    const announced = new Promise<void>((resolve) =>
      directory.on('node-up', (node) => {
        if (node.id === 't1') resolve();
      }),
    );
    await startNode(args);
    await within(announced, 30_000, 'node t1 to announce itself again');
    await until(
      () => c.listTerminals().then((l) => l.some((x) => x.id === t.id && x.state === 'running')),
      'the adopted terminal listed running by the client',
    );

    const listed = (await c.listTerminals()).find((x) => x.id === t.id);
    expect(listed).toMatchObject({ id: t.id, state: 'running', agentId: 'survivor' });
    expect(listed?.exitReason).toBeUndefined();
    // The same shell: its variable survived, and so did its scrollback.
    expect(await t.execute('echo $X')).toMatchObject({ stdout: 'kept\n', exitCode: 0 });
    const again = c.handle(listed as NonNullable<typeof listed>);
    expect(await again.execute('echo "again-$X"')).toMatchObject({ stdout: 'again-kept\n' });
    expect((await t.read({ fromOffset: 0 })).data).toContain('before');
    // And the node takes new terminals.
    const fresh = await c.spawnTerminal('fresh', { placement: { node: 't1' } });
    expect(owner(fresh.id)).toBe('t1');
    expect(await fresh.execute('echo fresh')).toMatchObject({ stdout: 'fresh\n', exitCode: 0 });
  }, 90_000);

  it('a nats-server restart mid-stream: every line exactly once, in order; both nodes serve after', async () => {
    const nats = await natsForTest();
    const base = ['--nats', nats.url, '--tokens', await tokensFile(), '--policy', 'trusted'];
    // The default node TTL (15 s) outlasts the restart: the nodes are not declared lost.
    await Promise.all([startNode([...base, '--name', 'n1']), startNode([...base, '--name', 'n2'])]);
    const c = await client(nats.url);
    const t1 = await c.spawnTerminal('streamer', { placement: { node: 'n1' } });
    const t2 = await c.spawnTerminal('other', { placement: { node: 'n2' } });
    expect(owner(t1.id)).toBe('n1');
    expect(owner(t2.id)).toBe('n2');
    await t1.execute('true');

    const from = (await t1.read({ fromOffset: 0 })).endOffset;
    const events: OutputEvent[] = [];
    const text = () => events.map((e) => (e.type === 'data' ? e.data : '')).join('');
    const streaming = (async () => {
      for await (const event of t1.stream({ fromOffset: from })) {
        events.push(event);
        if (numberedLines(text()).includes('line-60')) return;
      }
    })();
    streaming.catch(() => undefined);

    const result = t1
      .execute('for i in $(seq 1 60); do echo line-$i; sleep 0.1; done', { timeoutMs: 60_000 })
      .then(
        (value) => ({ value }),
        (error: unknown) => ({ error: error as Error & { code?: number } }),
      );
    await until(() => numberedLines(text()).includes('line-10'), 'the stream to carry line-10', 20_000);
    await nats.restart();
    expect(numberedLines(text())).not.toContain('line-60');

    const outcome = await result;
    if ('error' in outcome) {
      // Retryable: the request's outcome is unknown, the connection was lost.
      expect([ErrorCode.ChannelClosed, ErrorCode.Unavailable], String(outcome.error)).toContain(
        outcome.error.code,
      );
    } else {
      expect(numberedLines(outcome.value.stdout)).toHaveLength(60);
    }
    await within(streaming, 40_000, 'the stream to deliver line-60');

    expect(events.filter((e) => e.type !== 'data')).toEqual([]);
    expect(numberedLines(text())).toEqual(Array.from({ length: 60 }, (_, i) => `line-${i + 1}`));
    // Byte-exact: each chunk starts where the previous one ended.
    let next = from;
    for (const event of events) {
      if (event.type !== 'data') continue;
      expect(event.offset).toBe(next);
      next = event.nextOffset;
    }

    // After the restart: the streamed terminal, the other node's, and new spawns on both nodes.
    await until(async () => (await t1.activity()).activity === 'idle', 'the loop to finish', 30_000);
    expect(await t1.execute('echo after-$((6*7))')).toMatchObject({ stdout: 'after-42\n', exitCode: 0 });
    expect(await t2.execute('echo still-$((2+2))')).toMatchObject({ stdout: 'still-4\n', exitCode: 0 });
    for (const node of ['n1', 'n2']) {
      const fresh = await c.spawnTerminal(`fresh-${node}`, { placement: { node } });
      expect(owner(fresh.id)).toBe(node);
      expect(await fresh.execute(`echo new-on-${node}`)).toMatchObject({ stdout: `new-on-${node}\n` });
    }
    const listed = await c.listTerminals({ state: 'running' });
    expect(listed.unreachableNodes).toBeUndefined();
    expect(listed.map((x) => owner(x.id)).sort()).toEqual(['n1', 'n1', 'n2', 'n2']);
  }, 120_000);
});
