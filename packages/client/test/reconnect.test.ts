// ReconnectingChannel against a scripted server (a real RpcPeer per connection on DirectChannel
// pairs): streams resume from their last offset with overlapping bytes dropped, requests that may
// have run fail locally with `ChannelClosedError`, safe ones are re-sent, and events fire.
// End-to-end resume over every real transport is in @orchflow/server's conformance suite.
import {
  DirectChannel,
  ErrorCode,
  type IpcChannel,
  isOrchflowLocalError,
  Methods,
  PROTOCOL_VERSION,
  RpcPeer,
} from '@orchflow/protocol';
import { expect, it, onTestFinished } from 'vitest';
import { OrchflowClient, type OutputEvent } from '../src/index';
import { ReconnectingChannel } from '../src/reconnect-channel';

const TEXT = 'abcdefghijklmnopqrstuvwxyz';
const INFO = {
  id: 't1',
  agentId: 'a',
  pid: 1,
  mode: 'interactive' as const,
  backend: 'direct',
  state: 'running' as const,
  cols: 80,
  rows: 24,
  createdAt: new Date(0).toISOString(),
};

/** A server that serves TEXT from any offset, overlapping by 3 bytes to exercise dedup. */
function scriptedServer(log: string[]): () => Promise<IpcChannel> {
  let connection = 0;
  return async () => {
    const n = ++connection;
    const [client, server] = DirectChannel.pair();
    const peer = new RpcPeer(server, {
      methods: Methods,
      onUnhandledRequest: (method) => {
        log.push(`${n}:${method}`);
        return new Promise(() => undefined);
      },
    });
    peer.onRequest('initialize', Methods.initialize.params, () => {
      log.push(`${n}:initialize`);
      return {
        protocolVersion: PROTOCOL_VERSION,
        serverInfo: { name: 'stub', version: '0' },
        capabilities: {
          transports: ['stub'],
          executionModes: ['interactive' as const],
          backends: ['direct'],
          isolationLevels: ['none' as const],
          features: ['subscriptions'],
        },
        principal: { kind: 'admin' as const },
      };
    });
    peer.onRequest('terminal.list', Methods['terminal.list'].params, () => ({ terminals: [INFO] }));
    peer.onRequest('terminal.subscribe', Methods['terminal.subscribe'].params, (params) => {
      const from = Math.max(0, (params.fromOffset ?? 0) - 3);
      const subscriptionId = `server-${n}`;
      log.push(`${n}:subscribe@${params.fromOffset}`);
      // First connection: 10 bytes then silence; later ones: the rest (from 3 bytes early), then exit.
      const end = n === 1 ? 10 : TEXT.length;
      setTimeout(() => {
        for (let at = from; at < end; at += 4) {
          void peer.notify('terminal.output', {
            terminalId: 't1',
            subscriptionId,
            data: TEXT.slice(at, Math.min(at + 4, end)),
            offset: at,
          });
        }
        if (n > 1)
          void peer.notify('terminal.exit', { terminalId: 't1', subscriptionId, exitCode: 0, signal: null });
      }, 10);
      return { subscriptionId, offset: from };
    });
    peer.start();
    return client;
  };
}

it('resumes a stream from its last offset without repeats, fails unsafe in-flight requests and retries safe ones', async () => {
  const log: string[] = [];
  const connect = scriptedServer(log);
  let current: IpcChannel | undefined;
  const events: string[] = [];
  const channel = await ReconnectingChannel.open(
    async () => {
      current = await connect();
      return current;
    },
    {
      initialDelayMs: 10,
      onReconnecting: () => events.push('reconnecting'),
      onReconnected: (e) => events.push(`reconnected:${e.resumed}`),
    },
  );
  const client = await OrchflowClient.fromChannel(channel);
  onTestFinished(() => client.close());
  const terminal = client.handle(INFO);
  const received: OutputEvent[] = [];
  const done = (async () => {
    for await (const event of terminal.stream({ fromOffset: 0 })) received.push(event);
  })();
  while (received.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
  const unsafe = terminal.execute('sleep 100');
  await new Promise((resolve) => setTimeout(resolve, 20));
  const dropped = current;
  await dropped?.close();
  const error = await unsafe.catch((e: unknown) => e);
  // The local "connection lost, outcome unknown" error, never a server's InternalError.
  expect(isOrchflowLocalError(error) && error.code).toBe(ErrorCode.ChannelClosed);
  expect((error as Error).message).toMatch(/may or may not have run/);
  expect((await client.listTerminals()).map((t) => t.id)).toEqual(['t1']);
  await done;
  const data = received.filter((e) => e.type === 'data');
  expect(data.map((e) => (e.type === 'data' ? e.data : '')).join('')).toBe(TEXT);
  let offset = 0;
  for (const event of data) {
    expect(event.type === 'data' && event.offset).toBe(offset);
    if (event.type === 'data') offset = event.nextOffset;
  }
  expect(received.at(-1)?.type).toBe('end');
  expect(log).toContain('2:subscribe@10');
  expect(events).toEqual(['reconnecting', 'reconnected:1']);
});

it('closed while a reconnect is connecting: the new connection is closed too, never left open', async () => {
  const log: string[] = [];
  const connect = scriptedServer(log);
  const opened: IpcChannel[] = [];
  let releaseConnect: (() => void) | undefined;
  let connecting: Promise<void> | undefined;
  const channel = await ReconnectingChannel.open(
    async () => {
      if (opened.length > 0) {
        // The second connect (the reconnect) waits until the test has closed the channel.
        connecting = new Promise<void>((resolve) => {
          releaseConnect = resolve;
        });
        await connecting;
      }
      const next = await connect();
      opened.push(next);
      return next;
    },
    { initialDelayMs: 1 },
  );
  const client = await OrchflowClient.fromChannel(channel);
  await opened[0]?.close(); // the connection drops: a reconnect starts
  while (!releaseConnect) await new Promise((resolve) => setTimeout(resolve, 5));
  await client.close().catch(() => undefined);
  releaseConnect();
  while (opened.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
  for (let i = 0; i < 50 && !opened[1]?.closed; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(opened[1]?.closed).toBe(true);
  // Nothing was sent on it: not even an initialize.
  expect(log.filter((line) => line.startsWith('2:'))).toEqual([]);
});
