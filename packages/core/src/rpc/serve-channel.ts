// `serveChannel`: binds an Orchestrator to one IpcChannel as a JSON-RPC server for every method
// of @orchflow/protocol, on RpcPeer. The connection's principal scopes every call, and its
// ConnectionPolicy (if any) holds every call to a second security policy; when the
// channel closes, its subscriptions end, its open transactions roll back and (by default) the
// terminals spawned through it are killed, so a vanished client leaves no processes behind.
import {
  type InternalErrorDetail,
  type IpcChannel,
  Methods,
  type Principal,
  RpcPeer,
  type ServerInfo,
} from '@orchflow/protocol';
import { ConnectionPolicy } from '../connection-policy';
import { eventBusOf } from '../event-access';
import type { Orchestrator } from '../orchestrator';
import { forwardSecurityAlerts } from './alert-forwarder';
import { registerBatchHandlers } from './batch-handlers';
import { Connection } from './connection';
import { registerFloorHandlers } from './floor-handlers';
import type { HandlerContext, Serve } from './handler-context';
import { type Authenticate, DEFAULT_SERVER_INFO, registerInitialize } from './initialize-handler';
import { registerOrchestratorHandlers } from './orchestrator-handlers';
import { registerOutputHandlers } from './output-handlers';
import { ADMIN_PRINCIPAL } from './principal-scope';
import { requestTelemetry } from './request-telemetry';
import { type ReleaseTerminals, registerShutdown } from './shutdown-handler';
import { SubscriptionRegistry } from './subscriptions';
import { registerTerminalHandlers } from './terminal-handlers';

/** Options of {@link serveChannel}. */
export interface ServeChannelOptions {
  /** Who the caller is. Default: admin (right for in-process and trusted channels only). */
  principal?: Principal;
  /** Maps the client's `initialize` (its token) to a principal; overrides `principal`. */
  authenticate?: Authenticate;
  /**
   * A security policy this connection is held to in addition to the orchestrator's (the
   * stricter outcome wins; see {@link ConnectionPolicy}). A principal from `authenticate` may
   * carry its own instead (`ConnectionPolicy.bind`); giving both different policies refuses
   * `initialize`. Create it once and share it: it holds the parsed rules.
   */
  policy?: ConnectionPolicy;
  /**
   * Kill the terminals spawned through this connection when it closes. Default true: a client
   * that disappears (crash, dropped socket) must not leave shells running. Terminals spawned in
   * process or by other connections are never touched. Set false for clients that reconnect:
   * then commands running when the channel closes keep running too (their handlers are not
   * aborted), so a client that comes back can read their output; `$/cancelRequest`, `$/shutdown`
   * or `ServedChannel.close()` still interrupt them.
   */
  killTerminalsOnClose?: boolean;
  /**
   * Whether this connection's terminals and running commands survive a dropped connection, so a
   * client that reconnects can resume its streams and collect results; reported as the
   * `reconnect` feature in `initialize`. Default: `!killTerminalsOnClose`. A server whose own
   * code kills dropped connections' terminals (after a grace period of 0) passes false.
   */
  reconnect?: boolean;
  /**
   * What `$/shutdown` (a client's clean end) releases; resolves with how many terminals were
   * killed. Default: the terminals spawned through this connection.
   */
  onShutdown?: ReleaseTerminals;
  /** Reported as `serverInfo`. Default {@link DEFAULT_SERVER_INFO}. */
  serverInfo?: ServerInfo;
  /** Reported as `capabilities.transports`. Default `['direct']`. */
  transports?: readonly string[];
  /**
   * Hears protocol problems and handlers' internal failures (must not throw). An internal failure
   * arrives as an `OrchflowError` (InternalError) with the full message, `data` an
   * `InternalErrorReport` whose `errorId` is the one its caller was given, and what was thrown as
   * `cause`: log all of it, so an operator can find a failure a client reports by its id.
   */
  onError?: (error: Error) => void;
  /**
   * What a caller learns of a handler's internal failure (an exception, or an InternalError such
   * as an audit log that cannot be written): `full` (default, right for in-process and trusted
   * local channels) sends its message and data; `redacted` (what orchflow's network transports
   * use) sends only which request failed. Both add the error id (`data.errorId`) that `onError`
   * hears too. Every other error code is meant for the caller and passes unchanged. `redacted`
   * also keeps host details out of the `security.alert` raised when the audit log cannot be
   * written: its reason then says only that, not the log's path and error.
   */
  internalErrorDetail?: InternalErrorDetail;
  /**
   * Slow-consumer rule: how long one output subscription may hold its terminal paused without
   * progress before it is demoted to lossy delivery. Default 2 s (`DEFAULT_MAX_STALL_MS`).
   */
  maxStallMs?: number;
}

/** A channel being served. */
export interface ServedChannel {
  /** Resolves once the channel closed and the connection's cleanup has finished. */
  readonly closed: Promise<void>;
  /** The principal from `initialize`, or undefined before it. */
  readonly principal: Principal | undefined;
  /** The connection's own security policy once `initialize` set it, if it has one. */
  readonly policy: ConnectionPolicy | undefined;
  /** Closes the channel and runs the cleanup. */
  close(): Promise<void>;
}

/** Serves `orchestrator` on `channel` until either side closes it. */
export function serveChannel(
  orchestrator: Orchestrator,
  channel: IpcChannel,
  options: ServeChannelOptions = {},
): ServedChannel {
  const killTerminals = options.killTerminalsOnClose ?? true;
  let connection: Connection | undefined;
  const peer = new RpcPeer(channel, {
    methods: Methods,
    onError: options.onError,
    internalErrorDetail: options.internalErrorDetail,
    onClose: () => void connection?.close(killTerminals),
    // A dropped connection must not interrupt a build whose terminal waits for the client.
    abortHandlersOnClose: killTerminals,
  });
  const subscriptions = new SubscriptionRegistry(
    orchestrator,
    ({ method, params }) => peer.notify(method, params),
    options.maxStallMs,
  );
  const conn = new Connection(orchestrator, subscriptions);
  connection = conn;
  // Each request gets a span (its `_meta.traceparent` the parent) and an `rpc.request` event.
  const observe = requestTelemetry(eventBusOf(orchestrator), options.transports?.[0] ?? 'direct');
  const serve: Serve = (method, handler) => {
    peer.onRequest(method, Methods[method].params, (params, request) =>
      observe(method, request, () => {
        const scope = conn.scope(method);
        // One gate for every handler: a read-only principal reaches only the methods that read.
        scope.assertMayCall(method);
        return handler(params as never, scope, request);
      }),
    );
  };
  const context: HandlerContext = { orch: orchestrator, conn, peer, serve };
  registerInitialize(context, {
    principal: options.principal ?? ADMIN_PRINCIPAL,
    authenticate: options.authenticate,
    policy: options.policy,
    serverInfo: options.serverInfo ?? DEFAULT_SERVER_INFO,
    transports: options.transports ?? ['direct'],
    reconnect: options.reconnect ?? !killTerminals,
  });
  registerTerminalHandlers(context);
  registerOutputHandlers(context);
  registerBatchHandlers(context);
  registerOrchestratorHandlers(context);
  const releaseFloors = registerFloorHandlers(context);
  registerShutdown(context, options.onShutdown);
  const stopAlerts = forwardSecurityAlerts(
    orchestrator,
    conn,
    (alert) => peer.notify('security.alert', alert),
    options.internalErrorDetail,
  );
  // `connection.open`/`close` let metrics count connections per transport.
  const bus = eventBusOf(orchestrator);
  const transport = { transport: options.transports?.[0] ?? 'direct' };
  bus?.emit('connection.open', transport);
  peer.start();
  const closed = peer.closed.then(() => {
    bus?.emit('connection.close', transport);
    stopAlerts();
    releaseFloors();
    return conn.close(killTerminals);
  });
  return {
    closed,
    get principal() {
      return conn.initialized ? conn.scope('principal').principal : undefined;
    },
    get policy() {
      return conn.initialized ? ConnectionPolicy.of(conn.scope('policy').principal) : undefined;
    },
    close: async () => {
      await peer.close();
      await closed;
    },
  };
}
