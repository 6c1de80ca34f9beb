// prom-client, loaded when a MetricsPlugin is first made rather than by importing @orchflow/core:
// loading it costs a process ~4.6 MB of memory and ~40 ms, which embedders without metrics (and
// every in-process `orchflow exec`) would otherwise pay (docs/performance.md, "1000 concurrent
// terminals"). It is CommonJS, so a synchronous require serves the ESM and the CJS build alike.
import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';

// Built ESM and vitest have import.meta.url, built CJS __filename.
const url = (import.meta as { url?: string }).url;
let loaded: typeof PromClient | undefined;

/** The prom-client module, required the first time it is asked for. */
export function promClient(): typeof PromClient {
  loaded ??= createRequire(url ?? __filename)('prom-client') as typeof PromClient;
  return loaded;
}
