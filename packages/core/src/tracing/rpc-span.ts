// The SERVER span of one JSON-RPC request served by `serveChannel`, per the OpenTelemetry RPC
// conventions: named after the method, `rpc.system: jsonrpc`, `rpc.method`, and on an error
// response `rpc.jsonrpc.error_code`. A W3C `traceparent` in the request's `_meta` makes the
// caller's span its parent (see trace-context.ts); without one the request starts its own trace.
// Error messages stay out of the span: a denial's message can quote the command it refused.
import { type Context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { RequestContext } from '@orchflow/protocol';
import { extractTraceContext } from './trace-context';
import { orchflowTracer } from './tracer';

/** A request's recording span and the context its handler runs in. */
export interface RpcSpan {
  span: Span;
  context: Context;
}

/** Starts the span of request `request` (of `method`, over `transport`); undefined when not recording. */
export function startRpcSpan(
  method: string,
  request: RequestContext,
  transport: string,
): RpcSpan | undefined {
  const tracer = orchflowTracer();
  const parent = extractTraceContext(request.meta);
  const span = tracer.startSpan(
    method,
    {
      kind: SpanKind.SERVER,
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
  return { span, context: trace.setSpan(parent, span) };
}

/** Ends a request's span: successful, or failed with JSON-RPC error `errorCode`. */
export function endRpcSpan({ span }: RpcSpan, errorCode: number | undefined): void {
  if (errorCode !== undefined) {
    span.setAttribute('rpc.jsonrpc.error_code', errorCode);
    span.setStatus({ code: SpanStatusCode.ERROR, message: `JSON-RPC error ${errorCode}` });
  }
  span.end();
}
