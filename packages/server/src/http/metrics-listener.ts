// `MetricsListener`: an HTTP listener that serves only `GET /metrics`, for a process without an
// HttpServer (`orchflow node`, whose clients come over NATS). The scrape and its access rule are
// http-metrics.ts's, exactly as `HttpServer({ metrics })` serves them; everything else is 404.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Orchestrator } from '@orchflow/core';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import type { TokenAuthenticator } from '../auth';
import { sendError } from './http-errors';
import { type HttpMetricsSetting, type MountedMetrics, mountMetrics } from './http-metrics';

/** Options of {@link MetricsListener}. */
export interface MetricsListenerOptions {
  /** Interface to bind. */
  host: string;
  /** Port; 0 picks a free one. */
  port: number;
  /** What `/metrics` serves and who may scrape it (see {@link HttpMetricsSetting}). */
  metrics: HttpMetricsSetting;
  /** The orchestrator whose MetricsPlugin is served when `metrics` names no registry. */
  orchestrator?: Orchestrator;
  /** Tokens whose admins may scrape. */
  auth?: TokenAuthenticator;
}

/** Where a {@link MetricsListener} listens. */
export interface MetricsListenerAddress {
  host: string;
  port: number;
  /** `http://HOST:PORT/metrics`. */
  url: string;
}

/** Serves `GET /metrics` alone on its own port. */
export class MetricsListener {
  private readonly mounted: MountedMetrics;
  private readonly http: Server;
  private stopping: Promise<void> | undefined;

  /** Validates the setting (InvalidParams) and prepares the handler; `start()` listens. */
  constructor(private readonly options: MetricsListenerOptions) {
    this.mounted = mountMetrics(options.metrics, options.orchestrator, options.auth);
    this.http = createServer((request, response) => void this.dispatch(request, response));
  }

  /** Starts listening; resolves with the bound address (rejects with the listen error, e.g. EADDRINUSE). */
  async start(): Promise<MetricsListenerAddress> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.options.port, this.options.host, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    const { port } = this.http.address() as AddressInfo;
    const host = this.options.host;
    const shown = host.includes(':') ? `[${host}]` : host;
    return { host, port, url: `http://${shown}:${port}/metrics` };
  }

  /** Stops listening and closes open connections. */
  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      this.mounted.stop();
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
    return this.stopping;
  }

  private async dispatch(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const path = (request.url ?? '/').split('?')[0]?.replace(/\/+$/, '');
      if (path !== '/metrics') {
        throw new OrchflowError(ErrorCode.MethodNotFound, 'Only GET /metrics is served here');
      }
      if (request.method !== 'GET') {
        sendError(
          response,
          new OrchflowError(
            ErrorCode.InvalidRequest,
            `${request.method} is not allowed on /metrics; use GET`,
          ),
          405,
          { Allow: 'GET' },
        );
        return;
      }
      await this.mounted.handle(request, response);
    } catch (error) {
      sendError(response, error);
    }
  }
}
