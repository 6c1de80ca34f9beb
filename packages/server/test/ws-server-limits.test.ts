// WebSocketServer's limits over real sockets: options checked when it is built, connections and
// each token's share of them, sockets that have not authenticated (their share, frames, the close
// handshake), TCP connections, browser origins, heartbeats.

import { connect } from 'node:net';
import { connectWebSocket } from '@orchflow/client/node';
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebSocketServer } from '../src/ws/ws-server';
import {
  rawSocket,
  startHttp,
  startWs,
  TOKENS,
  testAuthenticator,
  testOrchestrator,
  until,
} from './transport-harness';

describe('WebSocketServer: limits', () => {
  it('refuses limits that are not positive integers when it is built, naming the option', () => {
    const orchestrator = testOrchestrator();
    for (const [key, value] of [
      ['maxConnections', 0],
      ['maxConnectionsPerPrincipal', 1.5],
      ['maxInFlight', -1],
      ['reconnectGraceMs', -5],
    ] as const) {
      const built = () => new WebSocketServer({ orchestrator, auth: testAuthenticator(), [key]: value });
      expect(built).toThrow(
        new RegExp(`WebSocketServer: ${key} must be an integer ≥ \\d \\(got ${value}\\)`),
      );
    }
    // A grace of 0 is valid: terminals of a dropped client are killed at once.
    expect(
      () => new WebSocketServer({ orchestrator, reconnectGraceMs: 0, principal: { kind: 'admin' } }),
    ).not.toThrow();
  });

  it('refuses connections beyond maxConnections with 503 / Overloaded', async () => {
    const { url } = await startWs({ maxConnections: 1 });
    const first = await connectWebSocket(url, { token: TOKENS.admin, reconnect: false });
    const error = await connectWebSocket(url, { token: TOKENS.admin, reconnect: false }).catch((e) => e);
    expect(isOrchflowError(error) && error.code).toBe(ErrorCode.Overloaded);
    await first.close();
  });

  it('says to use the HTTP client when a WebSocket client is pointed at an HTTP listener', async () => {
    const { url } = await startHttp();
    const target = url.replace(/^http/, 'ws');
    const error = await connectWebSocket(target, { token: TOKENS.admin, reconnect: false }).catch((e) => e);
    expect(String(error.message)).toContain(`OrchflowClient.http('${url}')`);
  });

  it('gives one token at most its share of the connections (half by default); closing one frees it', async () => {
    const { url, server } = await startWs({ maxConnections: 4 });
    const first = await connectWebSocket(url, { token: TOKENS.alice, reconnect: false });
    const second = await connectWebSocket(url, { token: TOKENS.alice, reconnect: false });
    const error = await connectWebSocket(url, { token: TOKENS.alice, reconnect: false }).catch((e) => e);
    expect(isOrchflowError(error) && error.code).toBe(ErrorCode.Overloaded);
    expect(String(error.message)).toMatch(/refused the connection \(HTTP 503\)/);
    // Other tokens still get in, up to the server's limit.
    const admin = await connectWebSocket(url, { token: TOKENS.admin, reconnect: false });
    await first.close();
    await until(() => server.connectionCount === 2, 'the closed connection to be gone');
    const again = await connectWebSocket(url, { token: TOKENS.alice, reconnect: false });
    await Promise.all([second.close(), admin.close(), again.close()]);
  });

  it('sockets that never initialize cannot fill the pool: a bearer token takes its share at upgrade', async () => {
    const { url, server } = await startWs({
      maxConnections: 6,
      maxConnectionsPerPrincipal: 2,
      maxUnauthenticated: 2,
    });
    const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
    // alice's share (2) is taken at upgrade when the header names her.
    await rawSocket(url, bearer(TOKENS.alice));
    await rawSocket(url, bearer(TOKENS.alice));
    const third = await rawSocket(url, bearer(TOKENS.alice)).catch((e: Error) => e);
    expect(String(third)).toContain('503');
    // Sockets with no token yet may hold maxUnauthenticated (2): a third is refused...
    await rawSocket(url);
    await rawSocket(url);
    const anonymous = await rawSocket(url).catch((e: Error) => e);
    expect(String(anonymous)).toContain('503');
    expect(server.stats()).toMatchObject({ connections: 4 });
    // ...and bob, whose header names him, still gets the last place.
    const bob = await connectWebSocket(url, { token: TOKENS.bob, reconnect: false });
    await bob.close();
  });

  it('by default one token and the sockets with no token cannot fill the pool between them', async () => {
    const { url } = await startWs({ maxConnections: 8 });
    const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
    // alice holds her half (4); sockets with no token hold theirs, a quarter (2)...
    for (let i = 0; i < 4; i++) await rawSocket(url, bearer(TOKENS.alice));
    await rawSocket(url);
    await rawSocket(url);
    expect(String(await rawSocket(url).catch((e: Error) => e))).toContain('503');
    // ...so bob still gets in, by header and by initialize.
    await rawSocket(url, bearer(TOKENS.bob));
    const bob = await connectWebSocket(url, { token: TOKENS.bob, reconnect: false });
    await bob.close();
  });

  it('closes a socket with no token that sends a large frame or many frames, unparsed', async () => {
    const { url } = await startWs();
    const closed = (socket: WebSocket) =>
      new Promise<number>((resolve) => socket.once('close', (code: number) => resolve(code)));
    const big = new WebSocket(url);
    await new Promise((resolve) => big.once('open', resolve));
    const bigClosed = closed(big);
    const answers: string[] = [];
    big.on('message', (data) => answers.push(String(data)));
    big.send(`[${'1,'.repeat(100_000)}1]`);
    expect(await bigClosed).toBe(1008);
    expect(answers).toEqual([]);
    const chatty = new WebSocket(url);
    await new Promise((resolve) => chatty.once('open', resolve));
    const chattyClosed = closed(chatty);
    for (let i = 0; i < 40; i++) chatty.send('{}');
    expect(await chattyClosed).toBe(1008);
    // One that authenticates first is not limited so.
    const raw = await rawSocket(url);
    await raw.initialize(TOKENS.admin);
    raw.send(
      JSON.stringify({ jsonrpc: '2.0', id: 9, method: '$/ping', params: { pad: 'x'.repeat(200_000) } }),
    );
    expect((await raw.next()).id).toBe(9);
  });

  it('cuts a socket that does not answer the close handshake (it held its partial frame for 30 s)', async () => {
    const { url } = await startWs({ authTimeoutMs: 100 });
    const { port } = new URL(url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    // A masked text frame announcing 1 MiB, of which only a little is sent: then silence.
    const header = Buffer.from([0x81, 0xff, 0, 0, 0, 0, 0, 0x10, 0, 0, 1, 2, 3, 4]);
    socket.write(Buffer.concat([header, Buffer.alloc(1000)]));
    socket.resume();
    const started = Date.now();
    await new Promise((resolve) => socket.once('close', resolve));
    // The auth timeout (0.1 s) sends the close; the handshake gets 2 s before the cut.
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('closes TCP connections past maxConnections plus 64 for upgrades in progress', async () => {
    const { url } = await startWs({ maxConnections: 2 });
    const { port } = new URL(url);
    const sockets: ReturnType<typeof connect>[] = [];
    try {
      for (let i = 0; i < 66; i++) {
        const socket = connect(Number(port), '127.0.0.1');
        sockets.push(socket);
        await new Promise((resolve) => socket.once('connect', resolve));
      }
      const extra = connect(Number(port), '127.0.0.1');
      sockets.push(extra);
      await new Promise((resolve) => extra.once('close', resolve));
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });

  it('allows only listed browser origins', async () => {
    const { url } = await startWs({ allowedOrigins: ['https://app.example'] });
    const refused = await rawSocket(url, { Origin: 'https://evil.example' }).catch((e: Error) => e);
    expect(String(refused)).toContain('403');
    const allowed = await rawSocket(url, { Origin: 'https://app.example' });
    expect((await allowed.initialize(TOKENS.admin)).result).toBeDefined();
  });

  it('checks browser origins on a server without tokens too', async () => {
    const { url } = await startWs({ auth: undefined, principal: { kind: 'admin' } });
    const refused = await rawSocket(url, { Origin: 'https://evil.example' }).catch((e: Error) => e);
    expect(String(refused)).toContain('403');
    const local = await rawSocket(url);
    expect((await local.initialize()).result).toBeDefined();
  });

  it('counts sockets still waiting for initialize toward the limit, and drops them after 5 s', async () => {
    const { url, server } = await startWs({ maxConnections: 1 });
    const started = Date.now();
    const idle = await rawSocket(url);
    expect(server.stats()).toMatchObject({ connections: 1, unauthenticated: 1, upgrading: 0 });
    const error = await connectWebSocket(url, { token: TOKENS.admin, reconnect: false }).catch((e) => e);
    expect(isOrchflowError(error) && error.code).toBe(ErrorCode.Overloaded);
    expect((await idle.closed).code).toBe(1008);
    // Default deadline 5 s (was 10 s); generous upper bound for a loaded machine.
    expect(Date.now() - started).toBeLessThan(9_000);
    await until(() => server.stats().connections === 0, 'the slot to be freed');
    const after = await connectWebSocket(url, { token: TOKENS.admin, reconnect: false });
    await after.close();
  }, 30_000);

  it('drops a peer that stops answering pings', async () => {
    const { url, server } = await startWs({ heartbeatIntervalMs: 100 });
    const socket = new WebSocket(url, {
      headers: { Authorization: `Bearer ${TOKENS.admin}` },
      autoPong: false,
    });
    const closed = new Promise<number>((resolve) => socket.once('close', resolve));
    await new Promise((resolve) => socket.once('open', resolve));
    expect(server.connectionCount).toBe(1);
    expect(await closed).toBe(1006);
    await until(() => server.connectionCount === 0, 'the server to forget the peer');
  });
});
