// One gateway connection: the transport's channel (a WebSocket, an HTTP session, a REST request's
// in-process channel, stdio, a Unix socket) piped to its own ClusterChannel, message by message in
// both directions, instead of `serveChannel(orchestrator, …)`. The caller's `initialize` passes
// through the transport's own authenticate hook first (so a WebSocket's auth timer, an HTTP
// session's principal work as always) and tells the links which token to open node sessions with.
// Closing the pipe closes the cluster channel like a vanished client: nodes keep the caller's
// terminals for their reconnect grace; a client's clean end (`$/shutdown`) is forwarded to nodes.
// A REST request's connection (`keepTerminals`) opens node sessions whose terminals stay until
// they are killed, as REST terminals do on a single server.
import { ClusterChannel, type ClusterLinks } from '@orchflow/client/internal';
import type { ServedChannel } from '@orchflow/core';
import {
  type InitializeParams,
  type IpcChannel,
  type JsonRpcMessage,
  OrchflowError,
  type Principal,
} from '@orchflow/protocol';
import type { ChannelServeOptions } from '../channel-server';

/** What a pipe needs from its gateway. */
export interface GatewayPipeSource {
  /**
   * Links for a caller whose token `token()` returns (sessions that keep their terminals, or not);
   * closed once the connection ended.
   */
  links(token: () => string | undefined, keepTerminals: boolean): ClusterLinks & { close(): void };
  /** The token a (gateway) principal stands for. */
  tokenOf(principal: Principal | undefined): string | undefined;
  /** How long list/metrics/bulk controls wait for each node. */
  fanOutTimeoutMs?: number;
  /** How long a node session may take to open and initialize. */
  connectTimeoutMs?: number;
}

/** Serves `channel` by the cluster; the ServedChannel a transport expects from `serveChannel`. */
export function pipeToCluster(
  source: GatewayPipeSource,
  channel: IpcChannel,
  options: ChannelServeOptions,
): ServedChannel {
  let principal: Principal | undefined;
  let token = source.tokenOf(options.principal);
  const links = source.links(() => token, options.keepTerminals === true);
  const cluster = new ClusterChannel(links, {
    serverInfo: options.serverInfo,
    transports: options.transports,
    fanOutTimeoutMs: source.fanOutTimeoutMs,
    connectTimeoutMs: source.connectTimeoutMs,
    onError: options.onError,
  });
  /** The transport's verdict on an `initialize`; false when it refused (the refusal was sent). */
  const admit = async (message: JsonRpcMessage): Promise<boolean> => {
    const init = initializeIn(message);
    if (!init) return true;
    try {
      principal = options.authenticate
        ? await options.authenticate(init.params)
        : (options.principal ?? principal);
      // The credential the transport checked (a header's, else `initialize`'s), and no other: an
      // anonymous HTTP request must not smuggle a token in through a session's `initialize`.
      token = source.tokenOf(principal);
      return true;
    } catch (error) {
      const refusal = { jsonrpc: '2.0' as const, id: init.id, error: OrchflowError.from(error).toJson() };
      await channel.send(refusal as JsonRpcMessage).catch(() => undefined);
      return false;
    }
  };
  const inbound = (async () => {
    try {
      for await (const message of channel) {
        if (await admit(message)) await cluster.send(message);
      }
    } catch {
      // The transport failed or closed mid-read: the same end as a close.
    }
    await cluster.close();
  })();
  const outbound = (async () => {
    try {
      for await (const message of cluster) await channel.send(message);
    } catch {
      // The client is gone; nothing more can reach it.
    }
    await channel.close().catch(() => undefined);
  })();
  const closed = Promise.all([inbound, outbound]).then(() => links.close());
  return {
    closed,
    get principal() {
      return principal;
    },
    policy: undefined,
    close: async () => {
      await channel.close().catch(() => undefined);
      await cluster.close();
      await closed;
    },
  };
}

/** The `initialize` request in `message` (alone or in a batch), if any. */
function initializeIn(
  message: JsonRpcMessage,
): { id: string | number; params: InitializeParams } | undefined {
  for (const item of Array.isArray(message) ? message : [message]) {
    const { id, method, params } = item as { id?: unknown; method?: unknown; params?: unknown };
    if (method !== 'initialize' || (typeof id !== 'string' && typeof id !== 'number')) continue;
    const p = (typeof params === 'object' && params !== null ? params : {}) as InitializeParams;
    return { id, params: p };
  }
  return undefined;
}
