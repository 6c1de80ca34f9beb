// The router's request handlers: which module answers each method, and the ones answered here
// (`initialize`, `tx.begin`, subscriptions, `$/shutdown`, and any method naming a `terminalId`,
// which goes to the node owning it).
// `initialize` succeeds even when no node can answer it (none live, or none reachable): the
// client gets a default node's capabilities (defaults.ts) and its spawns fail with Unavailable
// until a node comes; only a refusal about the caller (bad token, version) fails it.
import {
  checkProtocolVersion,
  ErrorCode,
  type InitializeParams,
  type InitializeResult,
  Methods,
  OrchflowError,
  type ParamsOf,
  PROTOCOL_VERSION,
  type Principal,
  type RequestContext,
  type RpcPeer,
  type ServerInfo,
  type SubscribeResult,
  type UnsubscribeResult,
} from '@orchflow/protocol';
import type { ZodType } from 'zod';
import { batchInCluster, type ClusterTransactions } from './batches';
import { defaultNodeCapabilities, UNVERIFIED_PRINCIPAL } from './defaults';
import { readOnly } from './errors';
import { bulkControl, listCluster, metricsOfCluster } from './fan-out';
import { openFirstSessions } from './first-sessions';
import { clusterSubscriptionId, forwardOptions, splitSubscriptionId } from './forwarding';
import { mergeCapabilities } from './merge';
import type { NodeLink } from './node-link';
import type { RouterContext } from './router-context';
import { spawnInCluster } from './spawn';

/** The client's session with the router (ClusterChannel opens node sessions with its `init`). */
export interface ClusterSession {
  /** The client's `initialize` params, as sent to every node; undefined until it arrived. */
  init: InitializeParams | undefined;
  /** Who the nodes took the client to be; undefined while no node has authenticated it. */
  principal: Principal | undefined;
  initialized: boolean;
}

/** What the request handlers read and change of the router (implemented by ClusterChannel). */
export interface RequestHost {
  readonly router: RouterContext;
  readonly session: ClusterSession;
  readonly transactions: ClusterTransactions;
  /** The router's node sessions by node id. */
  readonly nodeLinks: ReadonlyMap<string, NodeLink>;
  /** The router's `serverInfo` and `transports` options (see `ClusterChannelOptions`). */
  readonly options: { readonly serverInfo?: ServerInfo; readonly transports?: readonly string[] };
}

type Handler = (params: never, context: RequestContext) => unknown;

/** Registers on `peer` a handler for every method the router answers. */
export function registerRequests(peer: RpcPeer, host: RequestHost): void {
  const r = host.router;
  const serve = <M extends keyof typeof Methods>(
    method: M,
    handler: (params: ParamsOf<M>, context: RequestContext) => unknown,
  ): void => {
    const schema = Methods[method].params as ZodType;
    peer.onRequest(method as string, schema, (params, context) => {
      assertInitialized(host.session, method);
      return (handler as Handler)(params as never, context) as never;
    });
  };
  peer.onRequest('initialize', Methods.initialize.params, (params) => initialize(host, params));
  serve('terminal.spawn', (p, c) => spawnInCluster(r, p, c));
  serve('terminal.list', (p, c) => listCluster(r, p, c));
  serve('orchestrator.metrics', (p, c) => metricsOfCluster(r, p, c));
  serve('orchestrator.killAll', (p, c) => bulkControl(r, 'orchestrator.killAll', 'killed', p, c));
  serve('orchestrator.pauseAll', (p, c) => bulkControl(r, 'orchestrator.pauseAll', 'paused', p, c));
  serve('orchestrator.resumeAll', (p, c) => bulkControl(r, 'orchestrator.resumeAll', 'resumed', p, c));
  serve('terminal.batchExecute', (p, c) => batchInCluster(r, p, c));
  serve('tx.begin', () => {
    // Answered here, so the router must refuse what a node would: a viewer controls nothing.
    const { principal } = host.session;
    if (principal?.kind === 'viewer') throw readOnly('tx.begin', principal.name);
    return host.transactions.begin();
  });
  serve('tx.commit', (p, c) => host.transactions.commit(r, p, c));
  serve('tx.rollback', (p) => host.transactions.rollback(p.txId));
  serve('terminal.subscribe', (p, c) => subscribe(r, p, c));
  serve('terminal.unsubscribe', (p, c) => unsubscribe(host, p.subscriptionId, c));
  serve('terminal.kill', async (p, c) => {
    const result = (await routeByTerminal(host, 'terminal.kill', p, c)) as { exitCode?: number | null };
    const nodeId = r.book.owner(p.terminalId);
    if (nodeId !== undefined) r.book.exited(nodeId, p.terminalId, result?.exitCode ?? null);
    return result;
  });
  serve('$/shutdown', () => shutdownNodes(host));
}

function assertInitialized(session: ClusterSession, method: string): void {
  if (session.initialized) return;
  throw new OrchflowError(
    ErrorCode.NotInitialized,
    `'${method}' arrived before 'initialize'; send initialize first`,
  );
}

async function initialize(host: RequestHost, params: InitializeParams): Promise<InitializeResult> {
  const { session, options } = host;
  if (session.init) {
    throw new OrchflowError(
      ErrorCode.InvalidState,
      "'initialize' was already called on this connection; send it only once",
    );
  }
  const version = checkProtocolVersion(params.protocolVersion);
  if (!version.compatible) {
    throw new OrchflowError(ErrorCode.VersionMismatch, version.reason, { serverVersion: PROTOCOL_VERSION });
  }
  // Each node authenticates the caller itself: the client's token goes to every node session.
  session.init = { ...params, protocolVersion: PROTOCOL_VERSION };
  const { answers, failures, capabilities } = await openFirstSessions(
    host.router.live(),
    (nodeId) => host.router.link(nodeId).ready,
  );
  const transports = options.transports ?? ['cluster'];
  const [first] = answers;
  if (!first) {
    // A refusal that says something about the caller (bad token, version) fails the connect; a
    // cluster with no node to ask (none live, or none reachable) is connected to all the same,
    // and its spawns fail with Unavailable at once until a node comes (see defaults.ts).
    const refusal = failures.find(
      (e) => e instanceof Error && 'code' in e && e.code !== ErrorCode.Unavailable,
    );
    if (refusal) {
      session.init = undefined;
      throw refusal;
    }
    session.initialized = true;
    return {
      protocolVersion: PROTOCOL_VERSION,
      serverInfo: options.serverInfo ?? { name: 'orchflow-cluster', version: 'unknown' },
      capabilities: defaultNodeCapabilities(transports),
      principal: { ...UNVERIFIED_PRINCIPAL },
    };
  }
  session.initialized = true;
  session.principal = first.principal;
  return {
    protocolVersion: PROTOCOL_VERSION,
    serverInfo: options.serverInfo ?? { name: 'orchflow-cluster', version: first.serverInfo.version },
    capabilities: mergeCapabilities(capabilities, transports),
    principal: first.principal,
  };
}

/** Any method naming a `terminalId` goes to the node owning it. */
export async function routeByTerminal(
  host: RequestHost,
  method: string,
  params: unknown,
  context: RequestContext,
): Promise<unknown> {
  assertInitialized(host.session, method);
  const terminalId = (params as { terminalId?: unknown } | undefined)?.terminalId;
  if (typeof terminalId !== 'string') {
    throw new OrchflowError(
      ErrorCode.MethodNotFound,
      `Method '${method}' is not supported by this cluster router; check the method name and the versions`,
    );
  }
  const link = host.router.linkForTerminal(terminalId);
  const result = await link.call(method, params, forwardOptions(context));
  // A command that ended the shell (`exit 4`) ended the terminal: remember it, even for a
  // terminal nobody streams through this router (its `terminal.exit` never passes here).
  if (method === 'terminal.execute') {
    const executed = result as { shellExited?: unknown; exitCode?: unknown } | undefined;
    if (executed?.shellExited === true) {
      const code = typeof executed.exitCode === 'number' ? executed.exitCode : null;
      host.router.book.exited(link.nodeId, terminalId, code, false);
    }
  }
  return result;
}

async function subscribe(
  router: RouterContext,
  params: { terminalId: string; fromOffset?: number },
  context: RequestContext,
): Promise<SubscribeResult> {
  const link = router.linkForTerminal(params.terminalId);
  const result = await link.call<SubscribeResult>('terminal.subscribe', params, forwardOptions(context));
  const subscriptionId = clusterSubscriptionId(link.nodeId, result.subscriptionId);
  router.book.subscribe({ subscriptionId, nodeId: link.nodeId, terminalId: params.terminalId });
  return { ...result, subscriptionId };
}

async function unsubscribe(
  host: RequestHost,
  subscriptionId: string,
  context: RequestContext,
): Promise<UnsubscribeResult> {
  const open = host.router.book.unsubscribe(subscriptionId);
  const routed = splitSubscriptionId(subscriptionId);
  const link = routed && host.nodeLinks.get(routed.nodeId);
  if (!open || !routed || !link?.usable) return { unsubscribed: false };
  return link.call<UnsubscribeResult>(
    'terminal.unsubscribe',
    { subscriptionId: routed.subscriptionId },
    forwardOptions(context),
  );
}

async function shutdownNodes(host: RequestHost): Promise<{ released: number }> {
  // Only sessions that exist: one still connecting has no terminals to release.
  const links = [...host.nodeLinks.values()].filter((l) => l.connected);
  const timeoutMs = host.router.fanOutTimeoutMs;
  const settled = await Promise.allSettled(
    links.map((l) => l.call<{ released: number }>('$/shutdown', {}, { timeoutMs })),
  );
  return { released: settled.reduce((n, s) => n + (s.status === 'fulfilled' ? s.value.released : 0), 0) };
}
