// The one tracer orchflow's spans come from. It is looked up on every use rather than cached: the
// API's global tracer provider may be registered, or replaced, after the orchestrator is built,
// and a tracer taken before that would keep delegating to the old one.
import type { Tracer } from '@opentelemetry/api';
import packageJson from '../../package.json';
import { type Otel, otelApi } from './otel';

/** The instrumentation scope name of orchflow's spans. */
export const TRACER_NAME = '@orchflow/core';

/** orchflow's tracer from the globally registered provider (a no-op until an SDK is registered). */
export function orchflowTracer(api: Otel = otelApi()): Tracer {
  return api.trace.getTracer(TRACER_NAME, packageJson.version);
}
