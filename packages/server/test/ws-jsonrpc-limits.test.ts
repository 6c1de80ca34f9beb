// The JSON-RPC limits of a WebSocket connection, over real sockets: requests beyond the in-flight
// cap are answered Overloaded, a batch over the protocol's limit is refused with one error whatever
// it holds, and neither a reused in-flight id nor a non-request carrying one frees its place.
import { connectWebSocket } from '@orchflow/client/node';
import { ErrorCode, MAX_BATCH_MESSAGES } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { errorCode, rawSocket, startWs, TOKENS } from './transport-harness';

describe('WebSocketServer: JSON-RPC limits', () => {
  it('answers a flood of requests beyond the in-flight limit with Overloaded', async () => {
    const { url } = await startWs({ maxInFlight: 8 });
    const raw = await rawSocket(url);
    await raw.initialize(TOKENS.admin);
    const n = 500;
    const frames = Array.from({ length: n }, (_, i) =>
      JSON.stringify({ jsonrpc: '2.0', id: i, method: '$/ping', params: {} }),
    );
    for (const frame of frames) raw.send(frame);
    const answered = new Map<unknown, Record<string, unknown>>();
    while (answered.size < n) {
      const message = await raw.next();
      answered.set(message.id, message);
    }
    const codes = [...answered.values()].map((m) => errorCode(m) ?? 'ok');
    expect(codes.every((c) => c === 'ok' || c === ErrorCode.Overloaded)).toBe(true);
    expect(codes).toContain('ok');
    expect(codes).toContain(ErrorCode.Overloaded);
    raw.send(JSON.stringify({ jsonrpc: '2.0', id: 'after', method: '$/ping', params: {} }));
    expect(await raw.next()).toMatchObject({ id: 'after', result: { pong: true } });
  });

  it('refuses a batch over the protocol limit with one error, whatever it holds', async () => {
    const { url } = await startWs();
    const raw = await rawSocket(url);
    await raw.initialize(TOKENS.admin);
    // 2 bytes an entry; an error per entry would be ~70 times the frame.
    raw.send(`[${Array.from({ length: MAX_BATCH_MESSAGES * 4 }, () => '1').join(',')}]`);
    const reply = await raw.next();
    expect(reply).toMatchObject({ id: null, error: { code: ErrorCode.InvalidRequest } });
    expect(JSON.stringify(reply).length).toBeLessThan(400);
    // So is a long batch of requests: none is counted or run.
    const pings = Array.from({ length: MAX_BATCH_MESSAGES + 1 }, (_, i) => ({
      jsonrpc: '2.0',
      id: i,
      method: '$/ping',
    }));
    raw.send(JSON.stringify(pings));
    expect(await raw.next()).toMatchObject({ id: null, error: { code: ErrorCode.InvalidRequest } });
    raw.send(JSON.stringify({ jsonrpc: '2.0', id: 'after', method: '$/ping', params: {} }));
    expect(await raw.next()).toMatchObject({ id: 'after', result: { pong: true } });
  });

  it('refuses a request that reuses the id of one in flight, without freeing its place', async () => {
    const { url } = await startWs({ maxInFlight: 2 });
    const client = await connectWebSocket(url, { token: TOKENS.admin, reconnect: false });
    onTestFinished(() => client.close());
    const terminal = await client.spawnTerminal('dup');
    const raw = await rawSocket(url);
    await raw.initialize(TOKENS.admin);
    const execute = (id: number) =>
      JSON.stringify({
        jsonrpc: '2.0',
        id,
        method: 'terminal.execute',
        params: { terminalId: terminal.id, command: 'sleep 1', timeoutMs: 30_000 },
      });
    raw.send(execute(1));
    raw.send(execute(1));
    const refused = await raw.next();
    expect(refused).toMatchObject({ id: 1, error: { code: ErrorCode.InvalidRequest } });
    expect(String((refused.error as { message: string }).message)).toContain('already in flight');
    // Nor do messages that are no requests but carry its id: they are answered with id null.
    raw.send(JSON.stringify({ jsonrpc: '2.0', id: 1 }));
    raw.send(JSON.stringify({ jsonrpc: '2.0', id: 1, error: 'x' }));
    for (let i = 0; i < 2; i++) {
      expect(await raw.next()).toMatchObject({ id: null, error: { code: ErrorCode.InvalidRequest } });
    }
    // Request 1 still holds its place: with 2 allowed, 2 is admitted and 3 is Overloaded.
    raw.send(execute(2));
    raw.send(execute(3));
    expect(await raw.next()).toMatchObject({ id: 3, error: { code: ErrorCode.Overloaded } });
    const done = [await raw.next(), await raw.next()];
    expect(done.map((m) => m.id).sort()).toEqual([1, 2]);
    for (const message of done) expect(message).toMatchObject({ result: { exitCode: 0 } });
  }, 30_000);
});
