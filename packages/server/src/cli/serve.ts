// `orchflow serve`: builds an orchestrator and starts the listeners the flags ask for (stdio,
// Unix socket, WebSocket, HTTP), says where they listen, how to connect and under which policy
// (on stderr: stdout may be the stdio transport), then runs until SIGINT/SIGTERM, until its parent
// goes away, or, with --stdio, until stdin closes. With `--cluster nats://…` it builds no
// orchestrator: it is a gateway, and the same listeners serve an orchflow cluster (see
// serve-cluster.ts and cluster/gateway.ts).
import { resolve } from 'node:path';
import type { Orchestrator } from '@orchflow/core';
import { assertSafeBind, generateToken, isLoopbackHost, TokenAuthenticator } from '../auth';
import { ClusterGateway } from '../cluster/gateway';
import { gatewayLoginVerifier } from '../cluster/gateway-login';
import { gatewayRegistry } from '../cluster/gateway-metrics';
import { HttpServer } from '../http/http-server';
import { INTERNAL_ERROR_LOG_BURST, logInternalErrors } from '../internal-error-log';
import { clipForLog, isClientFault, throttledLog } from '../log-throttle';
import { createLogger } from '../logger';
import { StdioServer } from '../stdio';
import { UnixSocketServer } from '../unix';
import { WebSocketServer } from '../ws/ws-server';
import { announce, type Listener } from './banner';
import { reportError } from './errors';
import { explainListenError } from './listen-errors';
import { logFormat } from './log-flags';
import { buildOrchestrator, openAuditLog } from './orchestrator';
import { launchedByNpm, watchParent } from './parent-watch';
import { effectivePolicy } from './policy-flag';
import { USAGE_EXIT_CODE } from './recording-args';
import { type GatewayFlagOptions, gatewayMcpClient, gatewayOptions } from './serve-cluster';
import { checkServeFlags, FlagValueError, flagValue, type ServeFlags } from './serve-flags';
import { type ServeUsage, serveUsage } from './serve-usage';
import { type ShutsDown, type Stoppable, shutdownOnSignals } from './shutdown';

async function authFrom(flags: ServeFlags): Promise<{ auth?: TokenAuthenticator; generated?: string }> {
  if (flags.tokens) return { auth: await TokenAuthenticator.fromFile(flags.tokens) };
  if (flags.token) return { auth: TokenAuthenticator.single(flags.token) };
  const network = flags.ws !== undefined || flags.http !== undefined;
  if (!network) return {};
  // Refuse before generating: a token nobody configured must not make a public bind look safe.
  assertSafeBind(flags.host, false);
  const generated = generateToken();
  return { auth: TokenAuthenticator.single(generated), generated };
}

/**
 * Runs `orchflow serve` on checked flags; resolves with the exit code after shutdown. `usage` is
 * the flags' checked values (see serve-usage.ts), `cluster` the gateway's options with --cluster.
 */
async function serve(
  flags: ServeFlags,
  usage: ServeUsage,
  cluster: GatewayFlagOptions | undefined,
): Promise<number> {
  const wantsNetwork = flags.ws !== undefined || flags.http !== undefined;
  const format = logFormat(flags.logFormat);
  const log = createLogger({ level: flags.logLevel as never, format });
  const gateway = cluster ? await ClusterGateway.open(cluster) : undefined;
  const { auth, generated } = gateway
    ? { auth: gateway.auth, generated: undefined }
    : await flagValue(() => authFrom(flags));
  const local = gateway ? undefined : await flagValue(() => effectivePolicy(flags.policy, wantsNetwork));
  const policy = local ?? {
    description: "each node's own (--policy of orchflow node) plus the caller's token",
  };
  const audit = gateway ? undefined : await openAuditLog(flags.auditLog);
  const orchestrator = local
    ? await buildOrchestrator({
        ...flags,
        policy: local.policy,
        auditLog: audit,
        recordLimits: usage.recording,
      })
    : undefined;
  // What every transport serves: the orchestrator, or (gateway) the cluster.
  const target = { orchestrator, channels: gateway?.channels };
  const servers: Stoppable[] = [];
  const listeners: Listener[] = [];
  let loginUrl: string | undefined;
  const shutdown = shutdownOnSignals(servers, gateway ?? (orchestrator as ShutsDown), log);
  // Internal failures, in full with the error id their client was given; rate-limited apart from
  // the protocol noise a client can cause, so a burst of that cannot hide them.
  const internalErrorLog = () =>
    throttledLog((fields, message) => log.error(fields, message), { burst: INTERNAL_ERROR_LOG_BURST });
  if (launchedByNpm()) watchParent(() => shutdown.trigger('parent process (npx) exited'));
  try {
    if (flags.unix) {
      const unix = new UnixSocketServer({ ...target, path: flags.unix, auth, logger: log });
      const info = await unix.start();
      servers.push(unix);
      listeners.push({
        transport: 'unix socket',
        address: info.path,
        connect: `orchflow ls --server unix:${info.path}`,
      });
    }
    if (flags.ws !== undefined) {
      // A client can send malformed frames at will: their log lines are rate-limited.
      const warn = throttledLog((fields, message) => log.warn(fields, message));
      const onError = logInternalErrors(
        internalErrorLog(),
        (error) => warn({ err: clipForLog(error.message), transport: 'ws' }, 'connection error'),
        { transport: 'ws' },
      );
      const ws = new WebSocketServer({
        ...target,
        host: flags.host,
        port: flags.ws,
        auth,
        allowedOrigins: flags.allowOrigin,
        onError,
      });
      const address = await ws.start();
      servers.push(ws);
      listeners.push({
        transport: 'websocket',
        address: address.url,
        connect: `OrchflowClient.websocket('${address.url}', { token })`,
      });
    }
    if (flags.http !== undefined) {
      // As over WebSocket, a client can send invalid messages at will: rate-limited, and at warn
      // level when the fault is the client's (an invalid message), at error level otherwise.
      const invalid = throttledLog((fields, message) => log.warn(fields, message));
      const failed = throttledLog((fields, message) => log.error(fields, message));
      const onError = logInternalErrors(
        internalErrorLog(),
        (error) =>
          isClientFault(error)
            ? invalid({ err: clipForLog(error.message), transport: 'http' }, 'invalid message from a client')
            : failed({ err: clipForLog(error.message), transport: 'http' }, 'request failed'),
        { transport: 'http' },
      );
      // Loaded only for --mcp: serving without it does not pay for the MCP SDK.
      const mcp = flags.mcp
        ? (await import('./serve-mcp')).mcpOverHttp(
            gateway ? (identity) => gatewayMcpClient(gateway, identity) : (orchestrator as Orchestrator),
            { ...flags, audit },
            onError,
            auth,
          )
        : undefined;
      if (mcp) servers.push({ stop: () => mcp.server.close() });
      const http = new HttpServer({
        mcp: mcp?.handler,
        ...target,
        host: flags.host,
        port: flags.http,
        auth,
        allowedOrigins: flags.allowOrigin,
        ui: flags.ui && {
          ...(flags.uiAssets === undefined ? {} : { assetsDir: flags.uiAssets }),
          secureCookie: flags.uiSecureCookie === true,
          ...(flags.uiSessionLifetime === undefined ? {} : { sessionLifetimeMs: flags.uiSessionLifetime }),
          // Through a gateway the nodes judge a login's token (cluster/gateway-login.ts).
          ...(gateway ? { verifyLogin: gatewayLoginVerifier(gateway) } : {}),
        },
        metrics: flags.metrics
          ? {
              token: flags.metricsToken,
              allowLoopback: usage.metricsAuth === 'loopback',
              // A gateway serves its own registry; its auth takes any token, so none counts as admin.
              ...(gateway ? { registry: gatewayRegistry(gateway), adminTokens: false } : {}),
            }
          : undefined,
        onError,
      });
      const address = await http.start();
      servers.push(http);
      listeners.push({
        transport: 'http',
        address: address.url,
        connect: `OrchflowClient.http('${address.url}', { token }) or curl ${address.url}/v1/terminals`,
      });
      if (address.ui) {
        loginUrl = monitorLoginUrl(http);
        listeners.push({
          transport: 'monitor',
          address: address.ui,
          connect: loginUrl
            ? 'open the one-time login link below, or log in with a token'
            : gateway
              ? "log in with a token from a node's --tokens (the nodes check it; a gateway has no login link)"
              : 'log in with a token',
        });
      }
      if (flags.metrics) {
        listeners.push({
          transport: 'metrics (prometheus)',
          address: `${address.url}/metrics`,
          connect: gateway
            ? `scrape ${usage.metricsAuth === 'loopback' ? 'from loopback, or ' : ''}with --metrics-token as the bearer token (the gateway's own metrics; the nodes serve theirs on --metrics-port)`
            : usage.metricsAuth === 'loopback'
              ? 'scrape from loopback, or with an admin token or --metrics-token as the bearer token'
              : 'scrape with an admin token or --metrics-token as the bearer token (--metrics-auth token)',
        });
      }
      if (mcp) {
        listeners.push({
          transport: 'mcp (streamable http)',
          address: `${address.url}/mcp`,
          connect: `MCP client URL ${address.url}/mcp with header 'Authorization: Bearer <token>'`,
        });
      }
    }
    if (flags.stdio) {
      const stdio = new StdioServer({ ...target, auth, logger: log });
      await stdio.start();
      servers.push(stdio);
      void stdio.closed.then(() => shutdown.trigger('stdin closed'));
      listeners.push({ transport: 'stdio', connect: 'Content-Length framed JSON-RPC on stdin/stdout' });
    }
  } catch (error) {
    shutdown.trigger('startup failed');
    await shutdown.done;
    throw explainListenError(error, flags.unix);
  }
  announce(
    {
      listeners,
      policy: policy.description,
      generatedToken: generated,
      loginUrl,
      publicHost: wantsNetwork && !isLoopbackHost(flags.host) ? flags.host : undefined,
      stdio: flags.stdio === true,
      recording: recordingBanner(flags),
      gateway: gateway && cluster ? gatewayBanner(gateway, cluster.servers) : undefined,
    },
    format,
    log,
  );
  const code = await shutdown.done;
  // After the orchestrator's shutdown, whose last command ends are entries too.
  await audit?.close();
  return code;
}

/**
 * The monitor's one-time login link for the admin token (`--token`, the generated one, or the first
 * admin in `--tokens`); undefined when no token is admin: then people log in with their own token.
 */
function monitorLoginUrl(http: HttpServer): string | undefined {
  try {
    return http.createLoginCode().url;
  } catch {
    return undefined;
  }
}

/** What the banner says about a gateway: the cluster, its NATS servers and the live nodes now. */
function gatewayBanner(gateway: ClusterGateway, servers: readonly string[]): string {
  const nodes = gateway.nodes().map((n) => n.id);
  const live = nodes.length === 0 ? 'no live node yet' : `live nodes: ${nodes.join(', ')}`;
  return `cluster '${gateway.cluster}' on ${servers.join(',')} (${live}; callers' tokens go to the nodes)`;
}

/** What the banner says about `--record`: the directory, format, input and limits, or nothing. */
function recordingBanner(flags: ServeFlags): string | undefined {
  if (flags.record === undefined) return undefined;
  const notes = [
    ...(flags.recordInput ? ['input too'] : []),
    ...(flags.recordMaxBytes === undefined
      ? []
      : [`at most ${flags.recordMaxBytes} each${flags.recordRotate ? ', then the next file' : ''}`]),
    ...(flags.recordDirMaxBytes === undefined ? [] : [`at most ${flags.recordDirMaxBytes} in all`]),
    ...(flags.recordRetention === undefined ? [] : [`kept ${flags.recordRetention}`]),
  ];
  return `${resolve(flags.record)} (asciicast ${flags.recordFormat ?? 'v2'}, every terminal${notes.map((n) => `, ${n}`).join('')})`;
}

/**
 * The action of `serve`: a usage error in the flags or their values (a file that cannot be read,
 * a public bind without a token) exits 2 before anything listens.
 */
export async function serveCommand(flags: ServeFlags): Promise<number> {
  let usage: ServeUsage;
  let cluster: GatewayFlagOptions | undefined;
  try {
    checkServeFlags(flags);
    usage = serveUsage(flags);
    cluster = gatewayOptions(flags);
  } catch (error) {
    reportError(error);
    return USAGE_EXIT_CODE;
  }
  try {
    return await serve(flags, usage, cluster);
  } catch (error) {
    if (!(error instanceof FlagValueError)) throw error;
    reportError(error.reason);
    return USAGE_EXIT_CODE;
  }
}
