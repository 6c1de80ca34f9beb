// InteractiveSession against a scripted server peer: how the program is started (as a command,
// not typed keystrokes) and `waitFor` with stateful (`g`, `y`) regular expressions. The round
// trip against a real orchestrator is in @orchflow/core's conformance-interactive suite.
import { DirectChannel, Methods, RpcPeer } from '@orchflow/protocol';
import { expect, it, onTestFinished } from 'vitest';
import { OrchflowClient } from '../src/index';
import { handshake, terminalInfo } from './stub-peer';

const INFO = terminalInfo('interactive');

const HANDSHAKE = handshake({ features: ['subscriptions', 'executeStarted'] });

/** A server whose terminal prints `output` once subscribed; records executes and writes. */
async function stub(output: string) {
  const [clientEnd, serverEnd] = DirectChannel.pair();
  const server = new RpcPeer(serverEnd, { methods: Methods });
  const executed: string[] = [];
  const written: string[] = [];
  server.onRequest('initialize', Methods.initialize.params, () => HANDSHAKE);
  server.onRequest('terminal.spawn', Methods['terminal.spawn'].params, () => INFO);
  server.onRequest('terminal.subscribe', Methods['terminal.subscribe'].params, () => {
    setTimeout(() => {
      server
        .notify('terminal.output', { terminalId: 't1', subscriptionId: 's1', data: output, offset: 0 })
        .catch(() => undefined); // The test may have closed the connection already.
    }, 0);
    return { subscriptionId: 's1', offset: 0 };
  });
  server.onRequest('terminal.execute', Methods['terminal.execute'].params, async ({ command }, request) => {
    executed.push(command);
    const token = request.progressToken;
    if (token !== undefined) {
      await server.notify('$/progress', {
        token,
        value: { terminalId: 't1', data: '', offset: 0, started: true },
      });
    }
    // The program keeps running until the test ends.
    return new Promise<never>(() => undefined);
  });
  server.onRequest('terminal.write', Methods['terminal.write'].params, ({ data }) => {
    written.push(data);
    return { bytesWritten: data.length };
  });
  server.onRequest('terminal.kill', Methods['terminal.kill'].params, () => ({
    exitCode: null,
    signal: 'SIGHUP',
  }));
  server.start();
  const client = await OrchflowClient.fromChannel(clientEnd);
  onTestFinished(async () => {
    await client.close();
    await server.close();
  });
  return { client, executed, written };
}

it('starts the program as a command, not as typed input, and waits for its admission', async () => {
  const { client, executed, written } = await stub('>>> ');
  const session = await client.runInteractive('python3 -i');
  expect(executed).toEqual(['python3 -i']);
  expect(written).toEqual([]);
  await session.write('1+1\r');
  expect(written).toEqual(['1+1\r']);
});

it('waitFor matches with sticky and global patterns, also when a global one is reused', async () => {
  const { client } = await stub('booting...\nready> ');
  const session = await client.runInteractive('repl');
  // A sticky pattern would only ever be tried at lastIndex 0.
  await session.waitFor(/ready> /y, { timeoutMs: 5_000 });
  const prompt = /ready> /g;
  await session.waitFor(prompt, { timeoutMs: 5_000 });
  // The first match moved lastIndex past the prompt; a reuse must still find it.
  await session.waitFor(prompt, { timeoutMs: 5_000 });
  expect(session.output).toBe('booting...\nready> ');
});
