// A call that needs a feature this connection does not offer fails at once with `Unsupported`,
// naming the feature and the transport, and sends nothing: against a server peer (a real RpcPeer
// on a DirectChannel) that answers every method but lists only some features in `initialize`.
import { DirectChannel, ErrorCode, isOrchflowError, Methods, RpcPeer } from '@orchflow/protocol';
import { expect, it, onTestFinished } from 'vitest';
import { OrchflowClient } from '../src/index';
import { execResult, handshake, terminalInfo } from './stub-peer';

const INFO = terminalInfo();

const RESULT = execResult();

/** A client of a server on `transport` listing `features`; `calls` records the methods it received. */
async function connect(
  transport: string,
  features: string[],
): Promise<{ client: OrchflowClient; calls: string[]; spawns: () => number }> {
  const [clientEnd, serverEnd] = DirectChannel.pair();
  const server = new RpcPeer(serverEnd, { methods: Methods });
  const calls: string[] = [];
  let spawned = 0;
  server.onRequest('initialize', Methods.initialize.params, () => handshake({ transport, features }));
  server.onRequest('terminal.spawn', Methods['terminal.spawn'].params, () => {
    spawned++;
    return INFO;
  });
  const answer = (method: keyof typeof Methods, result: unknown): void => {
    server.onRequest(method, Methods[method].params as never, () => {
      calls.push(method);
      return result as never;
    });
  };
  answer('terminal.execute', RESULT);
  answer('terminal.batchExecute', { results: [] });
  answer('tx.begin', { txId: 'tx1' });
  answer('orchestrator.metrics', {
    terminals: { total: 0, running: 0 },
    terminalsByAgent: {},
    commandsExecuted: 0,
    uptimeMs: 0,
  });
  answer('orchestrator.pauseAll', { paused: 0 });
  answer('orchestrator.resumeAll', { resumed: 0 });
  answer('orchestrator.killAll', { killed: 0 });
  answer('terminal.subscribe', { subscriptionId: 'sub-1', offset: 0 });
  answer('terminal.unsubscribe', { closed: true });
  server.start();
  const client = await OrchflowClient.fromChannel(clientEnd);
  onTestFinished(async () => {
    await client.close();
    await server.close();
  });
  return { client, calls, spawns: () => spawned };
}

async function unsupported(
  promise: Promise<unknown>,
): Promise<{ feature: string; transport: string; message: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isOrchflowError(error) || error.code !== ErrorCode.Unsupported) {
    throw new Error(`expected Unsupported, got ${String(error)}`);
  }
  return { ...(error.data as { feature: string; transport: string }), message: error.message };
}

it('refuses each call whose feature is not offered with Unsupported naming feature and transport', async () => {
  const { client, calls, spawns } = await connect('carrier-pigeon', []);
  const terminal = await client.spawnTerminal('a');
  const cases: [Promise<unknown>, string][] = [
    [client.batchExecute([{ terminalId: 't1', command: 'true' }]), 'batchExecute'],
    [client.transaction(), 'transactions'],
    [client.metrics(), 'metrics'],
    [client.pauseAll(), 'emergencyControls'],
    [client.resumeAll(), 'emergencyControls'],
    [client.killAll(), 'emergencyControls'],
    [terminal.execute('true', { onOutput: () => undefined }), 'executeProgress'],
    [terminal.execute('true', { signal: new AbortController().signal }), 'cancellation'],
  ];
  for (const [call, feature] of cases) {
    const error = await unsupported(call);
    expect(error).toMatchObject({ feature, transport: 'carrier-pigeon' });
    expect(error.message).toContain('carrier-pigeon');
  }
  // Every live listener needs a subscription; runInteractive checks before it spawns a terminal.
  const live: Promise<unknown>[] = [
    terminal.stream()[Symbol.asyncIterator]().next(),
    terminal.onOutput(() => undefined),
    terminal.onExit(() => undefined),
    terminal.onActivity(() => undefined),
    terminal.onFloor(() => undefined),
  ];
  for (const call of live) {
    expect(await unsupported(call)).toMatchObject({ feature: 'subscriptions', transport: 'carrier-pigeon' });
  }
  const interactive = await unsupported(client.runInteractive('cat'));
  expect(interactive).toMatchObject({ feature: 'subscriptions' });
  expect(interactive.message).toContain('runInteractive()');
  expect(spawns()).toBe(1);
  // Nothing was sent for them; a plain execute still works.
  expect(calls).toEqual([]);
  expect(await terminal.execute('true')).toMatchObject({ exitCode: 0 });
  expect(calls).toEqual(['terminal.execute']);
});

it('makes each call once its feature is offered', async () => {
  const features = [
    'batchExecute',
    'transactions',
    'metrics',
    'emergencyControls',
    'executeProgress',
    'cancellation',
    'subscriptions',
  ];
  const { client, calls } = await connect('direct', features);
  const terminal = await client.spawnTerminal('a');
  await client.batchExecute([{ terminalId: 't1', command: 'true' }]);
  await client.transaction();
  await client.metrics();
  await client.pauseAll();
  await client.resumeAll();
  await client.killAll();
  await terminal.execute('true', { onOutput: () => undefined, signal: new AbortController().signal });
  (await terminal.onOutput(() => undefined)).dispose();
  await expect.poll(() => calls.at(-1)).toBe('terminal.unsubscribe');
  expect(calls).toEqual([
    'terminal.batchExecute',
    'tx.begin',
    'orchestrator.metrics',
    'orchestrator.pauseAll',
    'orchestrator.resumeAll',
    'orchestrator.killAll',
    'terminal.execute',
    'terminal.subscribe',
    'terminal.unsubscribe',
  ]);
});
