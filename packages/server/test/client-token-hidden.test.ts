// A client's bearer token must not show when the client or one of its terminals is logged:
// `util.inspect` (deep) and `JSON.stringify` (what structured loggers do) of a WebSocket and an HTTP
// client used to print it (the reconnecting channel's replayed `initialize`, the HTTP channel's
// header source). The token still authenticates every request, reconnects included.
import { inspect } from 'node:util';
import { OrchflowClient } from '@orchflow/client/node';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startHttp, startWs, TOKENS } from './transport-harness';

/** JSON of `value` that survives cycles (as loggers' serialisers do): repeated objects as "[cycle]". */
function safeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[cycle]';
      seen.add(v);
    }
    return typeof v === 'function' ? undefined : v;
  });
}

describe('a client does not show its token when logged', { timeout: 60_000 }, () => {
  const transports = [
    ['WebSocket', async () => OrchflowClient.websocket((await startWs()).url, { token: TOKENS.admin })],
    ['HTTP', async () => OrchflowClient.http((await startHttp()).url, { token: TOKENS.admin })],
  ] as const;

  it.each(transports)('%s: util.inspect and JSON of the client and a terminal', async (_name, connect) => {
    const client = await connect();
    onTestFinished(() => client.close());
    const terminal = await client.spawnTerminal('agent', { mode: 'scripted' });
    for (const value of [client, terminal]) {
      expect(inspect(value, { depth: 30 })).not.toContain(TOKENS.admin);
      expect(safeJson(value)).not.toContain(TOKENS.admin);
    }
    // It still authenticates the calls that follow.
    expect((await terminal.execute('echo ok')).stdout.trim()).toBe('ok');
  });
});
