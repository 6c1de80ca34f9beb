// `GET /metrics` on the HTTP listener: the Prometheus scrape of orchflow's metrics (see
// @orchflow/core's MetricsPlugin). Metrics reveal activity, not commands, but they are still not
// public: a request from a loopback peer may scrape without a token (unless `allowLoopback` is
// off), anyone else needs `Authorization: Bearer` with the metrics token or an admin's token.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MetricsPlugin, type Orchestrator } from '@orchflow/core';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import type { TokenAuthenticator } from '../auth';
import { isLoopbackHost } from '../auth';
import { bearerToken } from '../ws/upgrade';

/** A registry to scrape: prom-client's `Registry` (only these two members are used). */
export interface MetricsRegistry {
  metrics(): Promise<string>;
  readonly contentType: string;
}

/** How `/metrics` is served. */
export interface HttpMetricsOptions {
  /**
   * The registry to serve. Default: the registry of the orchestrator's MetricsPlugin (`withMetrics`),
   * or a new MetricsPlugin attached now (with Node's default metrics).
   */
  registry?: MetricsRegistry;
  /** A bearer token that may scrape (besides admin tokens), e.g. Prometheus's `authorization` credentials. */
  token?: string;
  /** Loopback peers may scrape without a token. Default true. */
  allowLoopback?: boolean;
  /**
   * Admin tokens of the server's `auth` may scrape. Default true; false where `auth` cannot tell an
   * admin (a cluster gateway accepts every token to forward it): then only `token` may.
   */
  adminTokens?: boolean;
}

/** `HttpServerOptions.metrics`: `true` (defaults), a registry, or options. */
export type HttpMetricsSetting = true | MetricsRegistry | HttpMetricsOptions;

/** The handler of `/metrics` and what to undo when the server stops. */
export interface MountedMetrics {
  handle(request: IncomingMessage, response: ServerResponse): Promise<void>;
  /** Detaches a MetricsPlugin the server attached itself. */
  stop(): void;
}

/** Validates `setting` (InvalidParams) and prepares the `/metrics` handler. */
export function mountMetrics(
  setting: HttpMetricsSetting,
  orchestrator: Orchestrator | undefined,
  auth: TokenAuthenticator | undefined,
): MountedMetrics {
  const options = normalise(setting);
  let own: MetricsPlugin | undefined;
  let registry = options.registry;
  if (!registry) {
    // A server serving a cluster (a gateway) has no orchestrator whose metrics it could scrape.
    if (!orchestrator) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        "metrics need the server's orchestrator or a 'registry' to serve; this server has neither",
      );
    }
    registry = MetricsPlugin.of(orchestrator)?.registry;
    if (!registry) {
      own = new MetricsPlugin().attach(orchestrator);
      registry = own.registry;
    }
  }
  const serve = registry;
  const token = options.token === undefined ? undefined : Buffer.from(options.token);
  const allowLoopback = options.allowLoopback ?? true;
  const admins = options.adminTokens === false ? undefined : auth;
  return {
    async handle(request, response) {
      authorise(request, { auth: admins, token, allowLoopback });
      const body = await serve.metrics();
      response.writeHead(200, {
        'Content-Type': serve.contentType,
        'Content-Length': String(Buffer.byteLength(body)),
        'Cache-Control': 'no-store',
      });
      response.end(body);
    },
    stop: () => own?.detach(),
  };
}

function normalise(setting: HttpMetricsSetting): HttpMetricsOptions {
  if (setting === true) return {};
  if (typeof setting !== 'object' || setting === null) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      'metrics must be true, a prom-client Registry or options',
    );
  }
  if (typeof (setting as MetricsRegistry).metrics === 'function')
    return { registry: setting as MetricsRegistry };
  const options = setting as HttpMetricsOptions;
  if (options.registry !== undefined && typeof options.registry?.metrics !== 'function') {
    throw new OrchflowError(ErrorCode.InvalidParams, 'metrics.registry must be a prom-client Registry');
  }
  if (options.token !== undefined && (typeof options.token !== 'string' || options.token.length < 16)) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      'metrics.token must be a string of at least 16 characters',
    );
  }
  if (options.allowLoopback !== undefined && typeof options.allowLoopback !== 'boolean') {
    throw new OrchflowError(ErrorCode.InvalidParams, 'metrics.allowLoopback must be a boolean');
  }
  if (options.adminTokens !== undefined && typeof options.adminTokens !== 'boolean') {
    throw new OrchflowError(ErrorCode.InvalidParams, 'metrics.adminTokens must be a boolean');
  }
  return options;
}

/** Throws Unauthorized (no or unknown token) or Forbidden (a valid token that is not admin). */
function authorise(
  request: IncomingMessage,
  rules: { auth: TokenAuthenticator | undefined; token: Buffer | undefined; allowLoopback: boolean },
): void {
  const peer = request.socket.remoteAddress;
  if (rules.allowLoopback && peer !== undefined && isLoopbackHost(peer)) return;
  const header = request.headers.authorization;
  const presented = header === undefined ? undefined : bearerToken(header);
  if (presented !== undefined) {
    const given = Buffer.from(presented);
    if (rules.token && given.length === rules.token.length && timingSafeEqual(given, rules.token)) return;
    const principal = rules.auth?.lookup(presented);
    if (principal?.kind === 'admin') return;
    if (principal) {
      throw new OrchflowError(
        ErrorCode.Forbidden,
        'Scraping /metrics needs an admin token or the metrics token',
      );
    }
  }
  const which = rules.auth ? 'an admin token or the metrics token' : 'the metrics token';
  throw new OrchflowError(
    ErrorCode.Unauthorized,
    presented === undefined
      ? `/metrics needs 'Authorization: Bearer <token>' (${which}) from a non-loopback peer`
      : 'The bearer token is not valid for /metrics',
  );
}
