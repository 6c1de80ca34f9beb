// The Node entry adds its constructors on a subclass: importing it must not change the root
// entry's class for everyone else (the package is `sideEffects: false`).
import { expect, it } from 'vitest';
import { OrchflowClient as RootClient } from '../src/index';
import { OrchflowClient as NodeClient } from '../src/node';
import { connectWebSocket } from '../src/transports/websocket-node';

it('leaves the root OrchflowClient without the Node-only constructors', () => {
  expect(NodeClient).not.toBe(RootClient);
  for (const name of ['stdio', 'unixSocket']) {
    expect(Object.hasOwn(RootClient, name)).toBe(false);
    expect(typeof (NodeClient as unknown as Record<string, unknown>)[name]).toBe('function');
  }
  // Node's websocket uses `ws`; the root's uses the global WebSocket and stays so.
  expect(NodeClient.websocket).toBe(connectWebSocket);
  expect(RootClient.websocket).not.toBe(connectWebSocket);
  // Node's http sends over `node:http` (keep-alive) instead of the global fetch; the root's is unchanged.
  expect(NodeClient.http).not.toBe(RootClient.http);
  expect(Object.hasOwn(RootClient, 'http')).toBe(true);
  // The rest is inherited unchanged.
  expect(NodeClient.fromChannel).toBe(RootClient.fromChannel);
});

it('keeps the cluster building blocks out of the public Node entry', async () => {
  const nodeEntry: Record<string, unknown> = await import('../src/node');
  const internal: Record<string, unknown> = await import('../src/internal');
  // What a program needs for a cluster stays public; what the server composes a node from does not.
  expect(typeof nodeEntry.connectNatsCluster).toBe('function');
  for (const name of [
    'ClusterChannel',
    'ClusterDirectory',
    'openNodeSession',
    'connectNatsNode',
    'splitMessage',
  ]) {
    expect(nodeEntry[name]).toBeUndefined();
    expect(internal[name]).toBeDefined();
  }
});
