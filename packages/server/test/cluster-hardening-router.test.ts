// The cluster router against nodes that lie, over in-process nodes (cluster-links-harness.ts):
// - a node's notification naming one of the client's subscriptions (ids are per-session counters,
//   `sub-1`) but another terminal is dropped, not delivered as that subscription's output or exit;
// - a node that refuses every caller at `initialize` (a fake node announced at load 0, asked
//   first) cannot shut the cluster out: the next nodes by load are asked, up to three in all.

import { ClusterChannel } from '@orchflow/client/internal';
import { OrchflowClient } from '@orchflow/client/node';
import {
  DirectChannel,
  ErrorCode,
  type IpcChannel,
  isOrchflowError,
  type JsonRpcMessage,
  Methods,
  OrchflowError,
  RpcPeer,
} from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { InProcessCluster, type TestNodeSpec } from './cluster-links-harness';

/** Relays every session of `nodeId` so a test can slip messages in as if the node sent them. */
class TappedCluster extends InProcessCluster {
  /** The node-side end of the latest relayed session: what is sent on it reaches the router. */
  injector: IpcChannel | undefined;

  constructor(
    specs: TestNodeSpec[],
    private readonly tapped: string,
  ) {
    super(specs);
  }

  override async open(nodeId: string): Promise<IpcChannel> {
    const inner = await super.open(nodeId);
    if (nodeId !== this.tapped) return inner;
    const [router, near] = DirectChannel.pair();
    const pump = async (from: IpcChannel, to: IpcChannel) => {
      for await (const message of from) await to.send(message).catch(() => undefined);
      await to.close();
    };
    void pump(near, inner);
    void pump(inner, near);
    this.injector = near;
    return router;
  }
}

/** A cluster whose nodes in `refusing` answer every `initialize` with Unauthorized. */
class RefusingCluster extends InProcessCluster {
  constructor(
    specs: TestNodeSpec[],
    private readonly refusing: ReadonlySet<string>,
  ) {
    super(specs);
  }

  override async open(nodeId: string): Promise<IpcChannel> {
    if (!this.refusing.has(nodeId)) return super.open(nodeId);
    this.opened.set(nodeId, (this.opened.get(nodeId) ?? 0) + 1);
    const [router, fake] = DirectChannel.pair();
    const peer = new RpcPeer(fake, {});
    peer.onRequest('initialize', Methods.initialize.params, () => {
      throw new OrchflowError(ErrorCode.Unauthorized, `The token was not accepted (fake node ${nodeId})`);
    });
    peer.start();
    return router;
  }
}

async function connect(links: InProcessCluster, onError?: (error: Error) => void) {
  onTestFinished(() => links.close());
  const client = await OrchflowClient.fromChannel(new ClusterChannel(links, { onError }), {
    clientInfo: { name: 'hardening-test' },
  });
  onTestFinished(() => client.close());
  return client;
}

describe('a node notification naming a subscription of another terminal', () => {
  it('is dropped (reported once); the subscription’s own output and exit still arrive', async () => {
    const links = new TappedCluster([{ id: 'n1' }], 'n1');
    const errors: Error[] = [];
    const client = await connect(links, (error) => errors.push(error));
    const terminal = await client.spawnTerminal('victim');
    const heard: string[] = [];
    const exits: unknown[] = [];
    await terminal.onOutput((chunk) => heard.push(chunk.data));
    terminal.onExit((info) => exits.push(info));
    const injector = links.injector as IpcChannel;
    // The node's id of the client's subscription (its first on this session).
    const forged = (method: string, params: Record<string, unknown>): JsonRpcMessage =>
      ({
        jsonrpc: '2.0',
        method,
        params: { subscriptionId: 'sub-1', terminalId: 'n1_other', ...params },
      }) as never;
    await injector.send(forged('terminal.output', { data: 'FORGED\n', offset: 10_000, nextOffset: 10_007 }));
    await injector.send(forged('terminal.gap', { from: 10_007, to: 20_000 }));
    await injector.send(forged('terminal.exit', { exitCode: 7, signal: null }));
    expect((await terminal.execute('echo mine')).stdout).toBe('mine\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(heard.join('')).toContain('mine');
    expect(heard.join('')).not.toContain('FORGED');
    expect(exits).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ data: { reason: 'foreign-notification' } });
    await terminal.kill();
    const deadline = Date.now() + 5_000;
    while (exits.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(exits).toHaveLength(1);
  });
});

describe('initialize when the first node asked refuses the caller', () => {
  const spec = (id: string, announcedLoad: number): TestNodeSpec => ({
    id,
    announcedLoad,
    announceCapabilities: true,
  });

  it('asks the next node: one fake node cannot shut every client out', async () => {
    const links = new RefusingCluster([spec('fake', 0), spec('n1', 3), spec('n2', 5)], new Set(['fake']));
    const client = await connect(links);
    expect(client.principal.kind).toBe('admin');
    expect(links.opened.get('fake')).toBe(1);
    expect(links.opened.get('n1')).toBe(1);
    expect(links.opened.get('n2')).toBeUndefined();
    const terminal = await client.spawnTerminal('a', { placement: { node: 'n1' } });
    expect((await terminal.execute('echo ok')).stdout).toBe('ok\n');
  });

  it('asks at most three nodes; their refusal stands', async () => {
    const refusing = new Set(['f1', 'f2', 'f3']);
    const links = new RefusingCluster([spec('f1', 0), spec('f2', 1), spec('f3', 2), spec('n1', 3)], refusing);
    onTestFinished(() => links.close());
    const error = await OrchflowClient.fromChannel(new ClusterChannel(links), {
      clientInfo: { name: 'hardening-test' },
    }).then(
      (client) => {
        void client.close();
        throw new Error('expected the connect to fail');
      },
      (e: unknown) => e,
    );
    expect(isOrchflowError(error)).toBe(true);
    expect(error).toMatchObject({ code: ErrorCode.Unauthorized });
    expect([...links.opened.keys()].sort()).toEqual(['f1', 'f2', 'f3']);
  });

  it('still fails when every node refuses', async () => {
    const links = new RefusingCluster([spec('f1', 0), spec('f2', 1)], new Set(['f1', 'f2']));
    onTestFinished(() => links.close());
    const error = await OrchflowClient.fromChannel(new ClusterChannel(links), {
      clientInfo: { name: 'hardening-test' },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: ErrorCode.Unauthorized });
  });
});
