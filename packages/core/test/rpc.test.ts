// serveChannel: the handshake, principal scoping, emergency controls, execute progress and
// cancellation on the wire, and the cleanup when a channel closes.
import { OrchflowClient } from '@orchflow/client';
import {
  ChannelClosedError,
  DirectChannel,
  ErrorCode,
  type ExecuteProgressParams,
  ExecuteProgressParamsSchema,
  Methods,
  PROTOCOL_VERSION,
  type Principal,
  RpcPeer,
} from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { connect } from '../src/connect';
import { Orchestrator } from '../src/orchestrator';
import { serveChannel } from '../src/rpc/serve-channel';
import { alive, expectCode, rejection, waitFor } from './helpers';

const AGENT: Principal = { kind: 'agent', name: 'bot', agentIds: ['mine'] };

function orchestrator(): Orchestrator {
  const orch = new Orchestrator();
  onTestFinished(() => orch.shutdown());
  return orch;
}

/** A raw peer on a served channel, for checks below the client's API. */
function rawPeer(orch: Orchestrator, principal?: Principal): RpcPeer<typeof Methods> {
  const peer = new RpcPeer(connect(orch, principal), { methods: Methods });
  onTestFinished(() => peer.close());
  return peer.start();
}

async function client(orch: Orchestrator, principal?: Principal): Promise<OrchflowClient> {
  const c = await OrchflowClient.direct(orch, { principal });
  onTestFinished(() => c.close());
  return c;
}

const initParams = { protocolVersion: PROTOCOL_VERSION, clientInfo: { name: 'test' } };

describe('serveChannel: handshake', () => {
  it('answers NotInitialized to any method before initialize, and pings anyway', async () => {
    const peer = rawPeer(orchestrator());
    expectCode(await rejection(peer.request('terminal.list', {})), ErrorCode.NotInitialized);
    expect(await peer.request('$/ping', {})).toMatchObject({ pong: true });
    expect(await peer.ping()).toBeGreaterThanOrEqual(0);
    await peer.request('initialize', initParams);
    expect(await peer.request('terminal.list', {})).toEqual({ terminals: [] });
  });

  it('refuses a different major protocol version with VersionMismatch', async () => {
    const peer = rawPeer(orchestrator());
    const error = expectCode(
      await rejection(peer.request('initialize', { ...initParams, protocolVersion: '2.0.0' })),
      ErrorCode.VersionMismatch,
    );
    expect(error.message).toContain('major versions must match');
  });

  it('reports capabilities and the principal, and refuses a second initialize', async () => {
    const peer = rawPeer(orchestrator(), AGENT);
    const result = await peer.request('initialize', initParams);
    expect(result.principal).toEqual(AGENT);
    expect(result.capabilities.transports).toEqual(['direct']);
    expect(result.capabilities.backends).toEqual(['direct']);
    expect(result.capabilities.features).toContain('transactions');
    expectCode(await rejection(peer.request('initialize', initParams)), ErrorCode.InvalidState);
  });

  it('answers bad params with InvalidParams and unknown methods with MethodNotFound', async () => {
    const peer = rawPeer(orchestrator());
    await peer.request('initialize', initParams);
    expectCode(await rejection(peer.request('terminal.spawn', { agentId: '' })), ErrorCode.InvalidParams);
    expectCode(await rejection(peer.request('terminal.teleport', {})), ErrorCode.MethodNotFound);
  });
});

describe('serveChannel: principal scoping', () => {
  it('lets an agent see and control only its own terminals', async () => {
    const orch = orchestrator();
    const admin = await client(orch);
    const agent = await client(orch, AGENT);
    const theirs = await admin.spawnTerminal('someone-else');
    const mine = await agent.spawnTerminal('mine');

    expect((await agent.listTerminals()).map((t) => t.id)).toEqual([mine.id]);
    expect((await admin.listTerminals()).map((t) => t.id).sort()).toEqual([theirs.id, mine.id].sort());

    const foreign = agent.handle(theirs.info());
    const missing = agent.handle({ ...theirs.info(), id: 'does-not-exist' });
    for (const call of [
      (t: typeof foreign) => t.execute('echo x'),
      (t: typeof foreign) => t.read(),
      (t: typeof foreign) => t.write('x'),
      (t: typeof foreign) => t.kill(),
      (t: typeof foreign) => t.snapshot(),
    ]) {
      const hidden = expectCode(await rejection(call(foreign)), ErrorCode.TerminalNotFound);
      const absent = expectCode(await rejection(call(missing)), ErrorCode.TerminalNotFound);
      // Same answer as for a terminal that does not exist, so ids do not leak.
      expect(hidden.message.replace(theirs.id, 'ID')).toBe(absent.message.replace('does-not-exist', 'ID'));
    }
    const [item] = await agent.batchExecute([{ terminalId: theirs.id, command: 'echo x' }]);
    expect(item).toMatchObject({
      ok: false,
      terminalId: theirs.id,
      error: { code: ErrorCode.TerminalNotFound },
    });
    expect(theirs.info().state).toBe('running');
    expect((await theirs.execute('echo untouched')).stdout).toBe('untouched\n');
  });

  it('forbids spawning for agent ids the principal was not granted', async () => {
    const orch = orchestrator();
    const prefixed = await client(orch, { kind: 'agent', agentIdPrefix: 'team-a/' });
    await prefixed.spawnTerminal('team-a/worker');
    const error = expectCode(await rejection(prefixed.spawnTerminal('team-b/worker')), ErrorCode.Forbidden);
    expect(error.message).toContain("prefix 'team-a/'");
    expect(orch.listTerminals()).toHaveLength(1);
  });

  it('keeps emergency controls for admins and scopes metrics for agents', async () => {
    const orch = orchestrator();
    const admin = await client(orch);
    const agent = await client(orch, AGENT);
    await admin.spawnTerminal('someone-else');
    const mine = await agent.spawnTerminal('mine');
    await mine.execute('true');
    for (const call of [() => agent.pauseAll(), () => agent.resumeAll(), () => agent.killAll()]) {
      expectCode(await rejection(call()), ErrorCode.Forbidden);
    }
    const metrics = await agent.metrics();
    expect(metrics.terminals).toEqual({ total: 1, running: 1 });
    expect(metrics.terminalsByAgent).toEqual({ mine: 1 });
    expect(metrics.commandsExecuted).toBe(1);
    expect(await admin.pauseAll()).toBe(2);
    expect(await admin.resumeAll()).toBe(2);
    expect(await admin.killAll()).toBe(2);
  });

  it('keeps transactions private to the connection that began them', async () => {
    const orch = orchestrator();
    const [a, b] = [rawPeer(orch), rawPeer(orch)];
    await Promise.all([a.request('initialize', initParams), b.request('initialize', initParams)]);
    const { txId } = await a.request('tx.begin', {});
    expectCode(await rejection(b.request('tx.rollback', { txId })), ErrorCode.InvalidState);
    expect(await a.request('tx.rollback', { txId })).toEqual({ txId, rolledBack: true });
  });
});

describe('serveChannel: execute on the wire', () => {
  it("streams an execute's output as $/progress to a request with a progress token, and only then", async () => {
    const peer = rawPeer(orchestrator());
    const progress: ExecuteProgressParams[] = [];
    await peer.request('initialize', initParams);
    const info = await peer.request('terminal.spawn', { agentId: 'test' });
    const command = 'for i in 1 2 3; do echo "line-$i"; done';
    const result = await peer.request(
      'terminal.execute',
      { terminalId: info.id, command },
      { onProgress: (value) => void progress.push(ExecuteProgressParamsSchema.parse(value)) },
    );
    expect(result.stdout).toBe('line-1\nline-2\nline-3\n');
    // Progress is flushed before the response, so it is all here now.
    expect(progress.map((p) => p.data).join('')).toContain('line-3');
    expect(progress[0]).toMatchObject({ started: true, data: '' });
    expect(progress.every((p) => p.terminalId === info.id)).toBe(true);
    // The removed second mechanism is refused, not silently ignored.
    const refused = await rejection(
      peer.request('terminal.execute', { terminalId: info.id, command: 'true', progress: true } as never),
    );
    expectCode(refused, ErrorCode.InvalidParams);
  });

  it("reports each queued command's own start, also when two have the same text", async () => {
    const c = await client(orchestrator());
    const terminal = await c.spawnTerminal('test');
    const events: string[] = [];
    const run = (name: string) =>
      terminal
        .execute('sleep 0.5', { onStart: () => void events.push(`${name} start`) })
        .then(() => void events.push(`${name} end`));
    await Promise.all([run('first'), run('second')]);
    // The text matched both commands; the second must not start before the first has ended.
    expect(events).toEqual(['first start', 'first end', 'second start', 'second end']);
  });

  it('interrupts a running command on $/cancelRequest', async () => {
    const c = await client(orchestrator());
    const terminal = await c.spawnTerminal('test');
    const controller = new AbortController();
    const started = Date.now();
    const running = terminal.execute('echo go; sleep 60', {
      signal: controller.signal,
      onOutput: (chunk) => {
        if (chunk.data.includes('go')) controller.abort();
      },
    });
    expectCode(await rejection(running), ErrorCode.Cancelled);
    // The server interrupted the sleep: the next command runs long before 60 s.
    expect((await terminal.execute('echo next')).stdout).toBe('next\n');
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

describe('serveChannel: closing', () => {
  it('kills the terminals of a channel closed mid-execute, and only those', async () => {
    const orch = orchestrator();
    const keep = await orch.spawnTerminal('in-process');
    const [clientEnd, serverEnd] = DirectChannel.pair();
    serveChannel(orch, serverEnd);
    const c = await OrchflowClient.fromChannel(clientEnd);
    const terminal = await c.spawnTerminal('test');
    const shellPid = terminal.info().pid;
    let started!: () => void;
    const running = terminal.execute('echo begun; sleep 60', {
      onOutput: (chunk) => {
        if (chunk.data.includes('begun')) started();
      },
    });
    await new Promise<void>((resolve) => (started = resolve));
    // The channel closes under the client (no clean `close()`): a vanished client.
    await clientEnd.close();
    expect(await rejection(running)).toBeInstanceOf(ChannelClosedError);
    await waitFor(() => !alive(shellPid), "the closed connection's shell to exit");
    await waitFor(() => orch.listTerminals().length === 1, 'the killed terminal to be removed');
    expect(orch.listTerminals().map((t) => t.id)).toEqual([keep.id]);
  });

  it('leaves terminals running when killTerminalsOnClose is false', async () => {
    const orch = orchestrator();
    const [clientEnd, serverEnd] = DirectChannel.pair();
    const served = serveChannel(orch, serverEnd, { killTerminalsOnClose: false });
    const c = await OrchflowClient.fromChannel(clientEnd);
    const terminal = await c.spawnTerminal('survivor');
    expect(served.principal).toEqual({ kind: 'admin' });
    // Dropped, not closed cleanly: a clean `close()` sends `$/shutdown`, which releases them.
    await clientEnd.close();
    await served.closed;
    expect(orch.listTerminals().map((t) => t.id)).toEqual([terminal.id]);
    expect((await orch.execute(terminal.id, 'echo alive')).stdout).toBe('alive\n');
  });

  it('releases the terminals at once on a clean close() even when killTerminalsOnClose is false', async () => {
    const orch = orchestrator();
    const [clientEnd, serverEnd] = DirectChannel.pair();
    const served = serveChannel(orch, serverEnd, { killTerminalsOnClose: false });
    const c = await OrchflowClient.fromChannel(clientEnd);
    const terminal = await c.spawnTerminal('finished');
    await c.close();
    // Killed before `$/shutdown` was answered, so before close() resolved.
    expect(orch.listTerminals({ state: 'running' }).map((t) => t.id)).not.toContain(terminal.id);
    await served.closed;
  });

  it('keeps running commands running when the channel drops and killTerminalsOnClose is false', async () => {
    const orch = orchestrator();
    const [clientEnd, serverEnd] = DirectChannel.pair();
    serveChannel(orch, serverEnd, { killTerminalsOnClose: false });
    const c = await OrchflowClient.fromChannel(clientEnd);
    const terminal = await c.spawnTerminal('long');
    let started!: () => void;
    const running = terminal.execute('echo begun; sleep 1; echo survived', {
      onOutput: (chunk) => {
        if (chunk.data.includes('begun')) started();
      },
    });
    await new Promise<void>((resolve) => (started = resolve));
    await clientEnd.close();
    expect(await rejection(running)).toBeInstanceOf(ChannelClosedError);
    // Queued behind the first command: runs once it ended, by itself rather than by SIGINT.
    await orch.execute(terminal.id, 'true');
    expect(orch.read(terminal.id, { fromOffset: 0 }).data).toContain('survived');
  });

  it('ends subscriptions when the channel closes, and unsubscribes once', async () => {
    const orch = orchestrator();
    const peer = rawPeer(orch);
    await peer.request('initialize', initParams);
    const info = await peer.request('terminal.spawn', { agentId: 'test' });
    const { subscriptionId } = await peer.request('terminal.subscribe', { terminalId: info.id });
    expect(await peer.request('terminal.unsubscribe', { subscriptionId })).toEqual({ unsubscribed: true });
    expect(await peer.request('terminal.unsubscribe', { subscriptionId })).toEqual({ unsubscribed: false });

    const c = await client(orch);
    const terminal = c.handle(orch.terminalInfo(info.id));
    const stream = terminal.stream({ fromOffset: 0 })[Symbol.asyncIterator]();
    expect((await stream.next()).done).toBe(false);
    await c.close();
    const outcome = await (async () => {
      try {
        // Events buffered before the close are still handed out; then the stream fails.
        while (!(await stream.next()).done);
        return 'ended quietly';
      } catch (error) {
        return error;
      }
    })();
    expect(outcome).toBeInstanceOf(ChannelClosedError);
  });
});
