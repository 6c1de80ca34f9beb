import { DirectChannel } from '@orchflow/protocol/runtime';
import { describe, expect, it } from 'vitest';
import { tapNotifications } from '../src/app/lib/notification-tap';

describe('tapNotifications', () => {
  it('shows each incoming notification to the listener and passes every message on unchanged', async () => {
    const [server, clientEnd] = DirectChannel.pair();
    const seen: [string, unknown][] = [];
    const tapped = tapNotifications(clientEnd, (method, params) => seen.push([method, params]));
    const alert = {
      jsonrpc: '2.0' as const,
      method: 'security.alert',
      params: { severity: 'warning', reason: 'x' },
    };
    const response = { jsonrpc: '2.0' as const, id: 1, result: {} };
    const request = { jsonrpc: '2.0' as const, id: 2, method: '$/ping', params: {} };
    await server.send(alert);
    await server.send(response);
    await server.send(request);
    expect(await tapped.receive()).toEqual(alert);
    expect(await tapped.receive()).toEqual(response);
    expect(await tapped.receive()).toEqual(request);
    expect(seen).toEqual([['security.alert', { severity: 'warning', reason: 'x' }]]);
  });

  it('sees notifications inside a batch and through the async iterator', async () => {
    const [server, clientEnd] = DirectChannel.pair();
    const seen: string[] = [];
    const tapped = tapNotifications(clientEnd, (method) => seen.push(method));
    await server.send([
      { jsonrpc: '2.0', method: 'terminal.activity', params: { terminalId: 't', activity: 'idle' } },
      { jsonrpc: '2.0', method: 'terminal.floor', params: { terminalId: 't', holder: null } },
    ]);
    await server.close();
    const received: unknown[] = [];
    for await (const message of tapped) received.push(message);
    expect(received).toHaveLength(1);
    expect(seen).toEqual(['terminal.activity', 'terminal.floor']);
  });

  it('keeps delivering when the listener throws, and sends and closes through the wrapped channel', async () => {
    const [server, clientEnd] = DirectChannel.pair();
    const tapped = tapNotifications(clientEnd, () => {
      throw new Error('listener bug');
    });
    const note = { jsonrpc: '2.0' as const, method: 'security.alert', params: {} };
    await server.send(note);
    expect(await tapped.receive()).toEqual(note);
    await tapped.send({ jsonrpc: '2.0', method: 'x', params: {} });
    expect(await server.receive()).toEqual({ jsonrpc: '2.0', method: 'x', params: {} });
    await tapped.close();
    expect(tapped.closed).toBe(true);
    expect(server.closed).toBe(true);
  });
});
