// What every served request reports, from the one `serve` wrapper all handlers are registered
// through: an OpenTelemetry SERVER span (tracing/rpc-span.ts) whose context the handler runs in,
// and the `rpc.request` event (method, transport, duration, outcome) that metrics count. Neither
// costs more than a listener check and a look-up of the OpenTelemetry API's global entry when
// nobody listens and no SDK is registered: the handler is then called directly.
import { OrchflowError, type RequestContext } from '@orchflow/protocol';
import type { EventBus } from '../event-bus';
import { endRpcSpan, startRpcSpan } from '../tracing/rpc-span';

/** Runs one request's handler under its span and reports it (see the module comment). */
export type ObserveRequest = <T>(
  method: string,
  request: RequestContext,
  handle: () => T | Promise<T>,
) => T | Promise<T>;

/** An observer for requests arriving over `transport`, emitting on `bus` (if any). */
export function requestTelemetry(bus: EventBus | undefined, transport: string): ObserveRequest {
  return (method, request, handle) => {
    const report = bus?.wants('rpc.request') === true;
    const traced = startRpcSpan(method, request, transport);
    if (!report && !traced) return handle();
    const began = performance.now();
    const finish = (error: unknown, failed: boolean): void => {
      const errorCode = failed ? OrchflowError.from(error).code : undefined;
      if (traced) endRpcSpan(traced, errorCode);
      if (!report) return;
      const durationMs = performance.now() - began;
      const ok = errorCode === undefined;
      bus?.emit(
        'rpc.request',
        ok ? { method, transport, durationMs, ok } : { method, transport, durationMs, ok, errorCode },
      );
    };
    let running: ReturnType<typeof handle>;
    try {
      running = traced ? traced.api.context.with(traced.context, handle) : handle();
    } catch (error) {
      finish(error, true);
      throw error;
    }
    return Promise.resolve(running).then(
      (value) => {
        finish(undefined, false);
        return value;
      },
      (error: unknown) => {
        finish(error, true);
        throw error;
      },
    );
  };
}
