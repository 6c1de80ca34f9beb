// An in-process cluster for router tests: real Orchestrators (ids prefixed `<node>_`) served with
// `serveChannel` over DirectChannel pairs, behind a small `ClusterLinks` (the seam the NATS
// directory and session channels implement in production). A node can be "killed" (it stops
// answering and the links emit `node-lost`, as the directory does when heartbeats stop),
// revived, or made to hang (live, but its sessions never open).
import {
  ClusterChannel,
  type ClusterLinkEvent,
  type ClusterLinkNode,
  type ClusterLinks,
  type ClusterNodeInfo,
} from '@orchflow/client/internal';
import { OrchflowClient } from '@orchflow/client/node';
import { Orchestrator, type ServedChannel, serveChannel, serverCapabilities } from '@orchflow/core';
import { DirectChannel, type IpcChannel, Methods, PROTOCOL_VERSION, RpcPeer } from '@orchflow/protocol';
import { onTestFinished } from 'vitest';

/** How a test node is set up. */
export interface TestNodeSpec {
  id: string;
  labels?: Record<string, string>;
  /** Announced capacity. Default 64. */
  capacity?: number;
  /** The orchestrator's own limit (may be below the announced capacity). */
  maxTerminals?: number;
  /** Announce this load instead of the real one (a stale announcement). */
  announcedLoad?: number;
  /** Live, but sessions never open. */
  hang?: boolean;
  /** Announce the node's capabilities (as `orchflow node` does), so a router need not ask. */
  announceCapabilities?: boolean;
}

interface TestNode {
  spec: TestNodeSpec;
  orch: Orchestrator;
  live: boolean;
  sessions: ServedChannel[];
}

/** A set of in-process nodes and the `ClusterLinks` over them. */
export class InProcessCluster implements ClusterLinks {
  private readonly members = new Map<string, TestNode>();
  private readonly listeners = new Map<ClusterLinkEvent, Set<(node: ClusterLinkNode) => void>>();
  /** Sessions opened per node (to check laziness and routing). */
  readonly opened = new Map<string, number>();

  constructor(specs: TestNodeSpec[] = []) {
    for (const spec of specs) this.add(spec);
  }

  /** Adds a live node (emits `node-up`). */
  add(spec: TestNodeSpec): Orchestrator {
    const orch = Orchestrator.builder()
      .withTerminalIdPrefix(`${spec.id}_`)
      .withMaxTerminals(spec.maxTerminals ?? 64)
      .build();
    this.members.set(spec.id, { spec, orch, live: true, sessions: [] });
    this.emit('node-up', spec.id);
    return orch;
  }

  /** The orchestrator of node `id`. */
  orch(id: string): Orchestrator {
    const node = this.members.get(id);
    if (!node) throw new Error(`no test node ${id}`);
    return node.orch;
  }

  /** Live terminals of node `id`. */
  load(id: string): number {
    return this.orch(id)
      .listTerminals()
      .filter((t) => t.state !== 'exited').length;
  }

  /**
   * Node `id` stops answering and is declared lost (its terminals keep running, unreachable), for
   * `reason` as the directory gives it (none: as links that give no reason).
   */
  kill(id: string, reason?: 'ttl' | 'deleted' | 'restarted'): void {
    const node = this.members.get(id);
    if (!node) throw new Error(`no test node ${id}`);
    node.live = false;
    this.emit('node-lost', id, reason);
  }

  /** Node `id` is back (as a tmux node that re-adopted its terminals would be). */
  revive(id: string): void {
    const node = this.members.get(id);
    if (!node) throw new Error(`no test node ${id}`);
    node.live = true;
    this.emit('node-up', id);
  }

  nodes(): ClusterNodeInfo[] {
    return [...this.members.values()]
      .filter((n) => n.live)
      .map((n) => ({
        id: n.spec.id,
        labels: n.spec.labels ?? {},
        capacity: n.spec.capacity ?? 64,
        load: n.spec.announcedLoad ?? this.load(n.spec.id),
        ...(n.spec.announceCapabilities
          ? { capabilities: serverCapabilities(n.orch, { transports: ['nats'], reconnect: true }) }
          : {}),
      }));
  }

  on(event: ClusterLinkEvent, listener: (node: ClusterLinkNode) => void): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener);
    this.listeners.set(event, set);
    return () => set.delete(listener);
  }

  async open(nodeId: string): Promise<IpcChannel> {
    const node = this.members.get(nodeId);
    if (!node?.live) throw new Error(`node ${nodeId} is not reachable`);
    this.opened.set(nodeId, (this.opened.get(nodeId) ?? 0) + 1);
    if (node.spec.hang) return new Promise<never>(() => undefined);
    const [router, served] = DirectChannel.pair();
    // Like a NATS node: a session that ends does not take its terminals with it.
    node.sessions.push(serveChannel(node.orch, served, { killTerminalsOnClose: false }));
    return router;
  }

  /** Shuts every node down. */
  async close(): Promise<void> {
    await Promise.all(
      [...this.members.values()].map(async (n) => {
        await Promise.all(n.sessions.map((s) => s.close().catch(() => undefined)));
        await n.orch.shutdown();
      }),
    );
  }

  private emit(event: ClusterLinkEvent, id: string, reason?: string): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) listener(reason ? { id, reason } : { id });
  }
}

/** The node a terminal id belongs to: `n2` for `n2_…`. */
export const ownerNode = (id: string): string => id.slice(0, id.indexOf('_'));

/** Spawn options of a terminal without a shell's prompt handshake, for tests that only place it. */
export const scripted = { mode: 'scripted' as const };

/** In-process nodes `specs` and an `OrchflowClient` routed over them; both closed when the test ends. */
export async function clusterForTest(specs: TestNodeSpec[], options: { fanOutTimeoutMs?: number } = {}) {
  const links = new InProcessCluster(specs);
  onTestFinished(() => links.close());
  const client = await OrchflowClient.fromChannel(new ClusterChannel(links, options), {
    clientInfo: { name: 'cluster-test' },
  });
  onTestFinished(() => client.close());
  return { links, client };
}

/** A raw JSON-RPC session on a new ClusterChannel (to see notifications and results as sent). */
export async function rawClusterSession(
  links: InProcessCluster,
  onNotification?: (method: string, params: unknown) => void,
) {
  const peer = new RpcPeer(new ClusterChannel(links), {
    methods: Methods,
    onUnhandledNotification: onNotification,
  });
  onTestFinished(() => peer.close());
  peer.start();
  await peer.request('initialize', { protocolVersion: PROTOCOL_VERSION, clientInfo: { name: 'raw' } });
  return peer;
}
