// The OpenTelemetry API, loaded when orchflow first needs it rather than by importing
// @orchflow/core: it is ~50 modules and ~0.4 MB of heap that a process without tracing would
// carry (the orchestrator side of "1000 concurrent terminals", docs/performance.md). The API keeps
// everything an app registers — tracer provider, context manager, propagator — in one global entry,
// created by the first registration; until then every span it starts is a no-op, no context is
// active and the default propagator finds nothing, so the hot paths skip it (`registeredOtel`).
// Copies of the API share that entry, so the copy required here serves an app that registered
// through its own; being CommonJS, one synchronous require serves the ESM and the CJS build alike.
// An ESM app that traces thus holds the API twice (its ESM copy and this CJS one), and a test's
// module mock of `@opentelemetry/api` does not reach orchflow.
import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';

/** The `@opentelemetry/api` module. */
export type Otel = typeof OtelApi;

// The API's global entry (major version 1), as @opentelemetry/api's internal/global-utils names it.
const GLOBAL_ENTRY = Symbol.for('opentelemetry.js.api.1');
// Built ESM and vitest have import.meta.url; tsup gives the CJS build a shim of it too.
const url = (import.meta as { url?: string }).url;
let loaded: Otel | undefined;
// The API could not be loaded (an app bundled without it): tracing stays off, said once.
let missing = false;

/** The OpenTelemetry API, required the first time it is asked for. */
export function otelApi(): Otel {
  loaded ??= createRequire(url ?? __filename)('@opentelemetry/api') as Otel;
  return loaded;
}

/**
 * The OpenTelemetry API once anything was registered with it (an SDK, or any library's `diag`
 * logger), else undefined: without a registration nothing orchflow would do with it could record
 * a span or carry context. Also undefined when the API cannot be loaded (a bundle that left it
 * out): commands and requests then run untraced, and a process warning says why, once.
 */
export function registeredOtel(): Otel | undefined {
  if (loaded !== undefined) return loaded;
  if (missing || (globalThis as Record<symbol, unknown>)[GLOBAL_ENTRY] === undefined) return undefined;
  try {
    return otelApi();
  } catch (error) {
    missing = true;
    process.emitWarning(
      `orchflow: an OpenTelemetry SDK is registered but @opentelemetry/api cannot be loaded (${error instanceof Error ? error.message : String(error)}); commands run untraced. A bundled app must keep @opentelemetry/api external.`,
      'OrchflowTracingWarning',
    );
    return undefined;
  }
}
