// Trace context across process boundaries, in W3C Trace Context form: read from a request's
// `_meta` (JSON-RPC or MCP) and written into a command's environment (TRACEPARENT/TRACESTATE, the
// OpenTelemetry environment-carrier names). Reading goes through the OpenTelemetry API's
// propagator, so whatever propagator the app registered applies; the API's default propagator is a
// no-op, and @opentelemetry/core's W3C propagator is not a dependency of orchflow, so a
// `traceparent` no registered propagator understood is parsed here, strictly per the W3C spec.
import type { Context, SpanContext, TextMapGetter } from '@opentelemetry/api';
import { otelApi } from './otel';

// version-traceid-parentid-flags, lowercase hex. Version ff is invalid; version 00 has nothing
// after the flags; a later version may append fields after a dash (read as version 00).
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);
// W3C: tracestate is at most 32 list members; 512 characters is what a vendor must propagate.
const MAX_TRACESTATE = 512;

/**
 * The remote span context a W3C `traceparent` (and optional `tracestate`) names, or undefined
 * when `traceparent` is not a valid one (a malformed header is ignored, as the spec requires).
 */
export function parseTraceparent(traceparent: unknown, tracestate?: unknown): SpanContext | undefined {
  if (typeof traceparent !== 'string' || traceparent.length > 512) return undefined;
  const match = TRACEPARENT.exec(traceparent);
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE_ID || spanId === ZERO_SPAN_ID) return undefined;
  const context: SpanContext = {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16) & 1,
    isRemote: true,
  };
  if (typeof tracestate === 'string' && tracestate.length > 0 && tracestate.length <= MAX_TRACESTATE) {
    context.traceState = otelApi().createTraceState(tracestate);
  }
  return context;
}

/** `traceparent` (version 00) for a span context. */
export function formatTraceparent(context: SpanContext): string {
  const flags = (context.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${context.traceId}-${context.spanId}-${flags}`;
}

// `_meta` values are unvalidated JSON: only strings (or lists of them) are header values.
const metaGetter: TextMapGetter<Readonly<Record<string, unknown>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = Object.hasOwn(carrier, key) ? carrier[key] : undefined;
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
    return undefined;
  },
};

/**
 * The context a request with `meta` as its `_meta` runs in: `base` (default the root context, so
 * a request without trace context starts a trace of its own) with the caller's span as the
 * parent when `meta` carries one — through the app's registered propagator, else a W3C
 * `traceparent`/`tracestate` pair parsed by {@link parseTraceparent}.
 */
export function extractTraceContext(
  meta: Readonly<Record<string, unknown>> | undefined,
  base: Context = otelApi().ROOT_CONTEXT,
): Context {
  if (meta === undefined) return base;
  const { propagation, trace } = otelApi();
  const extracted = propagation.extract(base, meta, metaGetter);
  if (extracted !== base && trace.getSpanContext(extracted) !== undefined) return extracted;
  const remote = parseTraceparent(metaGetter.get(meta, 'traceparent'), metaGetter.get(meta, 'tracestate'));
  return remote ? trace.setSpanContext(extracted, remote) : extracted;
}

/** `TRACEPARENT` and (when there is one) `TRACESTATE` naming `context`, for a child process's environment. */
export function traceEnvironment(context: SpanContext): Record<string, string> {
  const env: Record<string, string> = { TRACEPARENT: formatTraceparent(context) };
  const state = context.traceState?.serialize();
  if (state) env.TRACESTATE = state;
  return env;
}
