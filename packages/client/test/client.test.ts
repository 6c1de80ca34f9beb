// OrchflowClient against a scripted server peer (a real RpcPeer on a DirectChannel): the
// handshake's version check, stream ordering and bounds, and runScript's cleanup. End-to-end
// behaviour against a real orchestrator is covered by @orchflow/core's conformance suites.
import {
  DirectChannel,
  ErrorCode,
  isOrchflowError,
  Methods,
  OrchflowError,
  RpcPeer,
} from '@orchflow/protocol';
import { expect, it, onTestFinished } from 'vitest';
import { OrchflowClient, type OutputEvent } from '../src/index';
import { handshake, terminalInfo } from './stub-peer';

const INFO = terminalInfo();

/** A server peer with `initialize` and `terminal.spawn`; tests add the rest. */
function stubServer(version?: string): { server: RpcPeer<typeof Methods>; clientEnd: DirectChannel } {
  const [clientEnd, serverEnd] = DirectChannel.pair();
  const server = new RpcPeer(serverEnd, { methods: Methods });
  server.onRequest('initialize', Methods.initialize.params, () => handshake({ protocolVersion: version }));
  server.onRequest('terminal.spawn', Methods['terminal.spawn'].params, () => INFO);
  server.onRequest('$/ping', Methods['$/ping'].params, () => ({ pong: true as const, time: Date.now() }));
  onTestFinished(() => server.close());
  return { server, clientEnd };
}

it('refuses a server with another major protocol version and closes the channel', async () => {
  const { server, clientEnd } = stubServer('2.0.0');
  server.start();
  const error = await OrchflowClient.fromChannel(clientEnd).catch((e: unknown) => e);
  expect(isOrchflowError(error) && error.code).toBe(ErrorCode.VersionMismatch);
  expect(clientEnd.closed).toBe(true);
});

it('delivers output pushed before the subscribe response, in order, then ends on exit', async () => {
  const { server, clientEnd } = stubServer();
  server.onRequest('terminal.subscribe', Methods['terminal.subscribe'].params, async () => {
    // Pushed before the response: the client must hold these until it knows the id.
    await server.notify('terminal.output', {
      terminalId: 't1',
      subscriptionId: 's1',
      data: 'ab',
      offset: 10,
    });
    setTimeout(() => {
      void server
        .notify('terminal.output', { terminalId: 't1', subscriptionId: 's1', data: 'é', offset: 12 })
        .then(() =>
          server.notify('terminal.exit', {
            terminalId: 't1',
            subscriptionId: 's1',
            exitCode: 0,
            signal: null,
          }),
        );
    }, 10);
    return { subscriptionId: 's1', offset: 10 };
  });
  server.onRequest('terminal.unsubscribe', Methods['terminal.unsubscribe'].params, () => ({
    unsubscribed: false,
  }));
  server.start();
  const client = await OrchflowClient.fromChannel(clientEnd);
  const terminal = await client.spawnTerminal('a');
  const events: OutputEvent[] = [];
  for await (const event of terminal.stream({ fromOffset: 10 })) events.push(event);
  expect(events).toEqual([
    { type: 'data', data: 'ab', offset: 10, nextOffset: 12 },
    { type: 'data', data: 'é', offset: 12, nextOffset: 14 },
    { type: 'end', offset: 14 },
  ]);
});

it("takes a chunk's end from the server's nextOffset, not from the decoded text", async () => {
  const { server, clientEnd } = stubServer();
  server.onRequest('terminal.subscribe', Methods['terminal.subscribe'].params, () => {
    // Three invalid bytes decoded to three U+FFFD: 3 bytes on the server, 9 in UTF-8.
    setTimeout(() => {
      void server.notify('terminal.output', {
        terminalId: 't1',
        subscriptionId: 's1',
        data: '\uFFFD\uFFFD\uFFFD',
        offset: 5,
        nextOffset: 8,
      });
    }, 0);
    return { subscriptionId: 's1', offset: 5 };
  });
  server.onRequest('terminal.unsubscribe', Methods['terminal.unsubscribe'].params, () => ({
    unsubscribed: true,
  }));
  server.start();
  const client = await OrchflowClient.fromChannel(clientEnd);
  const terminal = await client.spawnTerminal('a');
  const iterator = terminal.stream({ fromOffset: 5 })[Symbol.asyncIterator]();
  expect((await iterator.next()).value).toEqual({
    type: 'data',
    data: '\uFFFD\uFFFD\uFFFD',
    offset: 5,
    nextOffset: 8,
  });
  await iterator.return?.();
});

it('turns output a slow reader let pile up beyond its buffer into one gap event', async () => {
  const { server, clientEnd } = stubServer();
  server.onRequest('terminal.subscribe', Methods['terminal.subscribe'].params, () => {
    setTimeout(async () => {
      for (let i = 0; i < 4; i++) {
        await server.notify('terminal.output', {
          terminalId: 't1',
          subscriptionId: 's1',
          data: 'x'.repeat(100),
          offset: i * 100,
        });
      }
    }, 0);
    return { subscriptionId: 's1', offset: 0 };
  });
  server.onRequest('terminal.unsubscribe', Methods['terminal.unsubscribe'].params, () => ({
    unsubscribed: true,
  }));
  server.start();
  const client = await OrchflowClient.fromChannel(clientEnd);
  const terminal = await client.spawnTerminal('a');
  const iterator = terminal.stream({ fromOffset: 0, maxBufferedBytes: 250 })[Symbol.asyncIterator]();
  const first = await iterator.next();
  // Let the remaining chunks arrive while nobody reads.
  await client.ping();
  await client.ping();
  const second = await iterator.next();
  expect(first.value).toMatchObject({ type: 'data', offset: 0 });
  expect(second.value).toEqual({ type: 'gap', from: 100, to: 400 });
  await iterator.return?.();
});

it('runScript kills its terminal even when the command fails', async () => {
  const { server, clientEnd } = stubServer();
  const killed: string[] = [];
  server.onRequest('terminal.execute', Methods['terminal.execute'].params, () => {
    throw new OrchflowError(ErrorCode.PolicyDenied, 'denied by test');
  });
  server.onRequest('terminal.kill', Methods['terminal.kill'].params, ({ terminalId }) => {
    killed.push(terminalId);
    return { exitCode: null, signal: 'SIGHUP' };
  });
  server.start();
  const client = await OrchflowClient.fromChannel(clientEnd);
  const error = await client.runScript('rm -rf /').catch((e: unknown) => e);
  expect(isOrchflowError(error) && error.code).toBe(ErrorCode.PolicyDenied);
  expect(killed).toEqual(['t1']);
});

it('refuses a limit JSON cannot carry (NaN, Infinity) before sending, naming the field', async () => {
  const { server, clientEnd } = stubServer();
  let executed = 0;
  server.onRequest('terminal.execute', Methods['terminal.execute'].params, () => {
    executed++;
    return {
      exitCode: 0,
      signal: null,
      stdout: '',
      stderr: '',
      durationMs: 0,
      timedOut: false,
      truncated: false,
      cwd: '/',
    };
  });
  server.start();
  const client = await OrchflowClient.fromChannel(clientEnd);
  const terminal = await client.spawnTerminal('a');
  for (const [name, value] of [
    ['timeoutMs', Number.NaN],
    ['idleTimeoutMs', Number.POSITIVE_INFINITY],
    ['maxOutputBytes', Number.NaN],
  ] as const) {
    const error = await terminal.execute('true', { [name]: value }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: ErrorCode.InvalidParams,
      message: `Invalid execute options at options.${name}: expected a finite number, received ${value}`,
    });
  }
  expect(executed).toBe(0);
});
