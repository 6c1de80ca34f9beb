// W3C trace context in `_meta`: the strict traceparent parser, the app's registered propagator
// taking precedence, and the TRACEPARENT/TRACESTATE a command's environment gets.
import {
  type Context,
  propagation,
  ROOT_CONTEXT,
  type TextMapPropagator,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { otelApi } from '../src/tracing/otel';
import {
  extractTraceContext,
  formatTraceparent,
  parseTraceparent,
  traceEnvironment,
} from '../src/tracing/trace-context';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

describe('parseTraceparent', () => {
  it('reads a version-00 traceparent, its sampled flag and tracestate', () => {
    const parsed = parseTraceparent(
      `00-${TRACE_ID}-${SPAN_ID}-01`,
      'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
    );
    expect(parsed).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, isRemote: true });
    expect(parsed?.traceState?.get('rojo')).toBe('00f067aa0ba902b7');
    expect(parseTraceparent(`00-${TRACE_ID}-${SPAN_ID}-00`)?.traceFlags).toBe(0);
  });

  it('reads a later version by its version-00 prefix, keeping only the sampled flag', () => {
    expect(parseTraceparent(`cc-${TRACE_ID}-${SPAN_ID}-03-what-comes-next`)).toMatchObject({
      traceId: TRACE_ID,
      traceFlags: 1,
    });
  });

  it.each([
    ['version ff', `ff-${TRACE_ID}-${SPAN_ID}-01`],
    ['version 00 with more fields', `00-${TRACE_ID}-${SPAN_ID}-01-extra`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${SPAN_ID}-01`],
    ['an all-zero parent id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['upper-case hex', `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`],
    ['a short trace id', `00-${TRACE_ID.slice(1)}-${SPAN_ID}-01`],
    ['surrounding spaces', ` 00-${TRACE_ID}-${SPAN_ID}-01`],
    ['a number', 42],
    ['an overlong string', `00-${TRACE_ID}-${SPAN_ID}-01-${'x'.repeat(600)}`],
  ])('ignores %s', (_what, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it('round-trips through formatTraceparent', () => {
    const value = `00-${TRACE_ID}-${SPAN_ID}-01`;
    expect(formatTraceparent(parseTraceparent(value) as never)).toBe(value);
  });
});

describe('extractTraceContext', () => {
  afterEach(() => propagation.disable());

  it('without trace context in _meta gives the base context', () => {
    const base = ROOT_CONTEXT.setValue(Symbol('test'), 1);
    expect(extractTraceContext(undefined, base)).toBe(base);
    expect(extractTraceContext({ progressToken: 1 }, base)).toBe(base);
    expect(extractTraceContext({ traceparent: ['not', 'one'] }, base)).toBe(base);
    // By default the root context of the API copy core requires (not this test's ESM copy).
    expect(extractTraceContext({ progressToken: 1 })).toBe(otelApi().ROOT_CONTEXT);
  });

  it('falls back to W3C traceparent when no propagator is registered', () => {
    const ctx = extractTraceContext({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` });
    expect(trace.getSpanContext(ctx)).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, isRemote: true });
  });

  it("uses the app's registered propagator first", () => {
    // A propagator of another format: `x-trace: <trace id>:<span id>`.
    const custom: TextMapPropagator = {
      inject: () => undefined,
      fields: () => ['x-trace'],
      extract: (ctx: Context, carrier, getter) => {
        const value = getter.get(carrier, 'x-trace');
        if (typeof value !== 'string') return ctx;
        const [traceId = '', spanId = ''] = value.split(':');
        return trace.setSpanContext(ctx, { traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true });
      },
    };
    propagation.setGlobalPropagator(custom);
    const otherSpan = 'a'.repeat(16);
    const ctx = extractTraceContext({
      'x-trace': `${TRACE_ID}:${otherSpan}`,
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
    });
    expect(trace.getSpanContext(ctx)?.spanId).toBe(otherSpan);
  });
});

describe('traceEnvironment', () => {
  it('gives TRACEPARENT, and TRACESTATE only when there is one', () => {
    const plain = parseTraceparent(`00-${TRACE_ID}-${SPAN_ID}-01`);
    expect(traceEnvironment(plain as never)).toEqual({ TRACEPARENT: `00-${TRACE_ID}-${SPAN_ID}-01` });
    const withState = parseTraceparent(`00-${TRACE_ID}-${SPAN_ID}-00`, 'a=1');
    expect(traceEnvironment(withState as never)).toEqual({
      TRACEPARENT: `00-${TRACE_ID}-${SPAN_ID}-00`,
      TRACESTATE: 'a=1',
    });
  });
});
