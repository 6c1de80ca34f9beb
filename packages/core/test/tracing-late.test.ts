// An SDK registered after the orchestrator was built, and after it ran untraced commands: until
// then the OpenTelemetry API is not even loaded (src/tracing/otel.ts); the next command is traced,
// with its span exported and its TRACEPARENT in the command's environment.
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, expect, it } from 'vitest';
import { Orchestrator } from '../src/orchestrator';

// biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
const SHOW = 'echo "[${TRACEPARENT-unset}]"';
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});

it('traces the commands after an SDK is registered, not before', async () => {
  // Nothing in this test file's process has registered with the API yet.
  expect((globalThis as Record<symbol, unknown>)[Symbol.for('opentelemetry.js.api.1')]).toBeUndefined();
  const orch = new Orchestrator();
  try {
    const term = await orch.spawnTerminal('agent-1', { shell: 'bash' });
    expect((await orch.execute(term.id, SHOW)).stdout).toBe('[unset]\n');
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
    const traced = await orch.execute(term.id, SHOW);
    const [span] = exporter.getFinishedSpans().filter((s) => s.name === 'orchflow.execute');
    expect(span).toBeDefined();
    const { traceId, spanId } = span?.spanContext() ?? {};
    expect(traced.stdout).toBe(`[00-${traceId}-${spanId}-01]\n`);
    expect(span?.attributes['process.exit.code']).toBe(0);
  } finally {
    await orch.shutdown();
  }
});
