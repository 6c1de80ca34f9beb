// Tracing that is off costs the command nothing visible: without an OpenTelemetry SDK (the API's
// no-op tracer) and with an SDK that samples nothing, no span is recorded and the command's
// environment gets no TRACEPARENT, even when the request carried trace context; and importing
// @orchflow/core does not load the API at all (see src/tracing/otel.ts).
import { join } from 'node:path';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { DirectChannel, Methods, PROTOCOL_VERSION, RpcPeer } from '@orchflow/protocol';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { packagesReached } from '../../terminal/test/import-graph';
import { Orchestrator } from '../src/orchestrator';
import { serveChannel } from '../src/rpc/serve-channel';

// biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
const UNSET = 'printenv TRACEPARENT TRACESTATE; echo "[${TRACEPARENT-unset}]"';
const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

async function runBoth(): Promise<string[]> {
  const orch = new Orchestrator();
  onTestFinished(() => orch.shutdown());
  const term = await orch.spawnTerminal('agent-1', { shell: 'bash' });
  const [server, client] = DirectChannel.pair();
  serveChannel(orch, server);
  const peer = new RpcPeer(client, { methods: Methods }).start();
  onTestFinished(() => peer.close());
  await peer.request('initialize', { protocolVersion: PROTOCOL_VERSION, clientInfo: { name: 'test' } });
  const direct = await orch.execute(term.id, UNSET);
  const viaRpc = await peer.request(
    'terminal.execute',
    { terminalId: term.id, command: UNSET },
    { meta: { traceparent } },
  );
  return [direct.stdout, viaRpc.stdout];
}

describe('without an SDK', () => {
  it('importing @orchflow/core does not load the OpenTelemetry API', () => {
    expect(packagesReached(join(__dirname, '../src/index.ts')).has('@opentelemetry/api')).toBe(false);
  });

  it('the command gets no TRACEPARENT, also when the request carried one', async () => {
    expect(await runBoth()).toEqual(['[unset]\n', '[unset]\n']);
  });

  it('rpc.request events still go to listeners', async () => {
    const orch = new Orchestrator();
    onTestFinished(() => orch.shutdown());
    const methods: string[] = [];
    orch.on('rpc.request', ({ method, ok }) => methods.push(`${method}:${ok}`));
    const [server, client] = DirectChannel.pair();
    serveChannel(orch, server);
    const peer = new RpcPeer(client, { methods: Methods }).start();
    onTestFinished(() => peer.close());
    await peer.request('initialize', { protocolVersion: PROTOCOL_VERSION, clientInfo: { name: 'test' } });
    await peer.request('terminal.list', {});
    expect(methods).toEqual(['terminal.list:true']);
  });
});

describe('with an SDK that samples nothing', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    sampler: new AlwaysOffSampler(),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
  });

  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
  });

  it('records no span and sets no TRACEPARENT', async () => {
    expect(await runBoth()).toEqual(['[unset]\n', '[unset]\n']);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
