// An app that registered with the OpenTelemetry API but was bundled without a loadable
// @opentelemetry/api for orchflow (src/tracing/otel.ts): commands and requests run untraced, and a
// process warning says why, once; nothing fails.
import Module from 'node:module';
import { DirectChannel, Methods, PROTOCOL_VERSION, RpcPeer } from '@orchflow/protocol';
import { afterAll, expect, it } from 'vitest';
import { Orchestrator } from '../src/orchestrator';
import { serveChannel } from '../src/rpc/serve-channel';

type Resolve = (request: string, ...rest: unknown[]) => string;
const modules = Module as unknown as { _resolveFilename: Resolve };
const resolve = modules._resolveFilename;
const ENTRY = Symbol.for('opentelemetry.js.api.1');

afterAll(() => {
  modules._resolveFilename = resolve;
  delete (globalThis as Record<symbol, unknown>)[ENTRY];
});

it('runs commands and requests untraced, with one warning', async () => {
  // What a registration leaves behind (the API's global entry), and a require that cannot find the API.
  (globalThis as Record<symbol, unknown>)[ENTRY] = { version: '1.9.0' };
  modules._resolveFilename = function (request: string, ...rest: unknown[]) {
    if (request === '@opentelemetry/api') throw new Error("Cannot find module '@opentelemetry/api'");
    return resolve.call(this, request, ...rest);
  };
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
  process.on('warning', onWarning);
  const orch = new Orchestrator();
  try {
    const term = await orch.spawnTerminal('agent-1', { shell: 'bash' });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    const show = 'echo "[${TRACEPARENT-unset}]"';
    expect((await orch.execute(term.id, show)).stdout).toBe('[unset]\n');
    const [server, client] = DirectChannel.pair();
    serveChannel(orch, server);
    const peer = new RpcPeer(client, { methods: Methods }).start();
    await peer.request('initialize', { protocolVersion: PROTOCOL_VERSION, clientInfo: { name: 'test' } });
    const viaRpc = await peer.request('terminal.execute', { terminalId: term.id, command: show });
    expect(viaRpc.stdout).toBe('[unset]\n');
    peer.close();
    await new Promise((r) => setImmediate(r));
    const ours = warnings.filter((w) => w.startsWith('OrchflowTracingWarning'));
    expect(ours).toHaveLength(1);
    expect(ours[0]).toContain('keep @opentelemetry/api external');
  } finally {
    process.off('warning', onWarning);
    await orch.shutdown();
  }
});
