// The SERVER span of one JSON-RPC request served by `serveChannel`, per the OpenTelemetry RPC
// conventions: named after the method, `rpc.system: jsonrpc`, `rpc.method`, and on an error
// response `rpc.jsonrpc.error_code`. A W3C `traceparent` in the request's `_meta` makes the
// caller's span its parent (see trace-context.ts); without one the request starts its own trace.
// Error messages stay out of the span: a denial's message can quote the command it refused.
import type { Context, Span } from '@opentelemetry/api';
import type { RequestContext } from '@orchflow/protocol';
import { type Otel, registeredOtel } from './otel';
import { extractTraceContext } from './trace-context';
import { orchflowTracer } from './tracer';

/** A request's recording span and the context its handler runs in. */
export interface RpcSpan {
  span: Span;
  context: Context;
  /** The OpenTelemetry API the span came from. */
  api: Otel;
}

/** Starts the span of request `request` (of `method`, over `transport`); undefined when not recording. */
export function startRpcSpan(
  method: string,
  request: RequestContext,
  transport: string,
): RpcSpan | undefined {
  const api = registeredOtel();
  // Nothing registered with the API: its span could not record, whatever parent `_meta` names.
  if (api === undefined) return undefined;
  const tracer = orchflowTracer(api);
  const parent = extractTraceContext(request.meta);
  const span = tracer.startSpan(
    method,
    {
      kind: api.SpanKind.SERVER,
      attributes: {
        'rpc.system': 'jsonrpc',
        'rpc.method': method,
        'rpc.jsonrpc.version': '2.0',
        'rpc.jsonrpc.request_id': String(request.requestId),
        'orchflow.rpc.transport': transport,
      },
    },
    parent,
  );
  if (!span.isRecording()) {
    span.end();
    return undefined;
  }
  return { span, context: api.trace.setSpan(parent, span), api };
}

/** Ends a request's span: successful, or failed with JSON-RPC error `errorCode`. */
export function endRpcSpan({ span, api }: RpcSpan, errorCode: number | undefined): void {
  if (errorCode !== undefined) {
    span.setAttribute('rpc.jsonrpc.error_code', errorCode);
    span.setStatus({ code: api.SpanStatusCode.ERROR, message: `JSON-RPC error ${errorCode}` });
  }
  span.end();
}
