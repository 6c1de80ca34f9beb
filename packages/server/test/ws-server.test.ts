// WebSocketServer end to end over real sockets: the handshake and auth (header, initialize token,
// agent scoping), bad input of every kind, and what happens to terminals when a client vanishes.
// Its limits (connections, shares, origins, heartbeats) are in ws-server-limits.test.ts.

import { connectWebSocket } from '@orchflow/client/node';
import { DirectBackend } from '@orchflow/mux';
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import {
  droppableClient,
  errorCode,
  expectOversizedAnswerRefused,
  rawSocket,
  startWs,
  TOKENS,
  testOrchestrator,
  until,
} from './transport-harness';

describe('WebSocketServer: clients', () => {
  it('runs a command for a client authenticated by header', async () => {
    const { url } = await startWs();
    const client = await connectWebSocket(url, { token: TOKENS.admin, reconnect: false });
    try {
      expect(client.capabilities.transports).toEqual(['websocket']);
      const terminal = await client.spawnTerminal('test');
      const result = await terminal.execute('echo hello');
      expect(result.stdout).toBe('hello\n');
      expect(result.exitCode).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('authenticates a browser-style client by the token in initialize', async () => {
    const { url } = await startWs();
    const raw = await rawSocket(url);
    const response = await raw.initialize(TOKENS.alice);
    expect(response.result).toMatchObject({ principal: { kind: 'agent', name: 'alice' } });
  });
});

describe('WebSocketServer: auth', () => {
  it('refuses a wrong bearer header at the upgrade with 401', async () => {
    const { url } = await startWs();
    const error = await connectWebSocket(url, { token: 'not-a-valid-token-at-all', reconnect: false }).catch(
      (e) => e,
    );
    expect(isOrchflowError(error) && error.code).toBe(ErrorCode.Unauthorized);
    // As explanatory as the Unix socket's initialize: what was wrong and where a token comes from.
    expect((error as Error).message).toMatch(/token was not accepted; use a token from the server's --token/);
  });

  it('answers an initialize without token with Unauthorized, then closes', async () => {
    const { url } = await startWs();
    const raw = await rawSocket(url);
    const response = await raw.initialize(undefined);
    expect(errorCode(response)).toBe(ErrorCode.Unauthorized);
    expect(JSON.stringify(response)).not.toContain(TOKENS.admin);
    expect((await raw.closed).code).toBe(1008);
  });

  it('answers a wrong initialize token with Unauthorized, then closes', async () => {
    const { url } = await startWs();
    const raw = await rawSocket(url);
    expect(errorCode(await raw.initialize('wrong-token-0123456789abcdef'))).toBe(ErrorCode.Unauthorized);
    expect((await raw.closed).code).toBe(1008);
  });

  it('lets nothing but initialize through before authentication', async () => {
    const { url, orch } = await startWs();
    const raw = await rawSocket(url);
    raw.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'terminal.spawn', params: { agentId: 'x' } }));
    expect(errorCode(await raw.next())).toBe(ErrorCode.NotInitialized);
    expect(orch.listTerminals()).toEqual([]);
  });

  it('closes a connection that never initializes', async () => {
    const { url } = await startWs({ authTimeoutMs: 200 });
    const raw = await rawSocket(url);
    expect((await raw.closed).code).toBe(1008);
  });

  it("keeps an agent away from another agent's terminals", async () => {
    const { url } = await startWs();
    const alice = await connectWebSocket(url, { token: TOKENS.alice, reconnect: false });
    const bob = await connectWebSocket(url, { token: TOKENS.bob, reconnect: false });
    try {
      const mine = await alice.spawnTerminal('alice-1');
      const forbidden = await alice.spawnTerminal('bob-1').catch((e) => e);
      expect(isOrchflowError(forbidden) && forbidden.code).toBe(ErrorCode.Forbidden);
      const theirs = bob.handle(mine.info());
      for (const attempt of [theirs.execute('id'), theirs.read(), theirs.snapshot(), theirs.kill()]) {
        const error = await attempt.catch((e) => e);
        expect(isOrchflowError(error) && error.code).toBe(ErrorCode.TerminalNotFound);
      }
      expect(await bob.listTerminals()).toEqual([]);
      expect((await mine.execute('echo still-mine')).stdout).toBe('still-mine\n');
    } finally {
      await alice.close();
      await bob.close();
    }
  });
});

describe('WebSocketServer: bad input', () => {
  it('answers each bad frame with the right JSON-RPC error and keeps serving', async () => {
    const { url } = await startWs();
    const raw = await rawSocket(url);
    await raw.initialize(TOKENS.admin);
    const cases: [string | Buffer, number][] = [
      ['{not json', ErrorCode.ParseError],
      ['42', ErrorCode.InvalidRequest],
      [JSON.stringify({ jsonrpc: '1.0', id: 2, method: 'terminal.list' }), ErrorCode.InvalidRequest],
      [JSON.stringify({ jsonrpc: '2.0', id: 3 }), ErrorCode.InvalidRequest],
      [JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'no.such.method' }), ErrorCode.MethodNotFound],
      [
        JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'terminal.spawn', params: { agentId: 7 } }),
        ErrorCode.InvalidParams,
      ],
      [Buffer.from([1, 2, 3]), ErrorCode.InvalidRequest],
    ];
    for (const [frame, code] of cases) {
      raw.send(frame);
      expect(errorCode(await raw.next()), String(frame)).toBe(code);
    }
    raw.send(JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'terminal.list', params: {} }));
    expect(await raw.next()).toMatchObject({ id: 9, result: { terminals: [] } });
  });

  it('closes a connection that sends an oversized frame, and serves others', async () => {
    const { url } = await startWs({ maxPayloadBytes: 64 * 1024 });
    const raw = await rawSocket(url);
    await raw.initialize(TOKENS.admin);
    raw.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'terminal.write',
        params: { data: 'x'.repeat(100_000) },
      }),
    );
    expect((await raw.closed).code).toBe(1009);
    const other = await connectWebSocket(url, { token: TOKENS.admin, reconnect: false });
    expect(await other.listTerminals()).toEqual([]);
    await other.close();
  });
});

describe('WebSocketServer: faults', () => {
  it('frees a vanished client’s subscriptions and (grace 0) kills its terminals', async () => {
    const { url, server, orch } = await startWs({ reconnectGraceMs: 0 });
    const raw = await rawSocket(url);
    await raw.initialize(TOKENS.admin);
    raw.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'terminal.spawn', params: { agentId: 'a' } }));
    const { result } = (await raw.next()) as { result: { id: string } };
    raw.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'terminal.subscribe',
        params: { terminalId: result.id },
      }),
    );
    raw.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 3,
        method: 'terminal.write',
        params: { terminalId: result.id, data: 'yes | head -c 2000000\r' },
      }),
    );
    await raw.next();
    expect(server.stats()).toMatchObject({ connections: 1, heldTerminals: 1 });
    raw.socket.terminate();
    await until(() => server.connectionCount === 0, 'the connection to close');
    await until(() => orch.listTerminals({ state: 'running' }).length === 0, 'the terminal to be killed');
    expect(server.stats()).toEqual({
      connections: 0,
      unauthenticated: 0,
      upgrading: 0,
      heldTerminals: 0,
      orphanedTerminals: 0,
    });
  });

  it('frees a vanished client’s subscription so its terminal runs on (grace period)', async () => {
    const { url, server, orch } = await startWs({ reconnectGraceMs: 60_000, maxStallMs: 60_000 });
    const raw = await rawSocket(url);
    await raw.initialize(TOKENS.admin);
    raw.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'terminal.spawn', params: { agentId: 'a' } }));
    const { result } = (await raw.next()) as { result: { id: string } };
    raw.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'terminal.subscribe',
        params: { terminalId: result.id },
      }),
    );
    await raw.next();
    // The reader stops reading, then vanishes: its subscription must stop holding the terminal.
    (raw.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const running = orch.execute(result.id, "head -c 8000000 /dev/zero | tr '\\0' y; echo", {
      timeoutMs: 60_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    raw.socket.terminate();
    expect(await running).toMatchObject({ exitCode: 0, timedOut: false });
    await until(() => server.stats().connections === 0, 'the connection to be cleaned up');
    expect(server.stats()).toMatchObject({ connections: 0, heldTerminals: 0, orphanedTerminals: 1 });
  }, 90_000);

  it('keeps a dropped client’s terminals for the grace period and kills them after', async () => {
    const { url, server, orch } = await startWs({ reconnectGraceMs: 500 });
    const { client, drop } = await droppableClient(url, TOKENS.admin);
    const terminal = await client.spawnTerminal('a');
    drop();
    await until(() => server.orphanedTerminalCount === 1, 'the terminal to be orphaned');
    expect(orch.listTerminals({ state: 'running' }).map((t) => t.id)).toEqual([terminal.id]);
    await until(() => orch.listTerminals({ state: 'running' }).length === 0, 'the grace period to end');
  });

  it('lets a returning client adopt an orphaned terminal', async () => {
    const { url, server, orch } = await startWs({ reconnectGraceMs: 300 });
    const { client: first, drop } = await droppableClient(url, TOKENS.admin);
    const terminal = await first.spawnTerminal('a');
    drop();
    await until(() => server.orphanedTerminalCount === 1, 'the terminal to be orphaned');
    const second = await connectWebSocket(url, { token: TOKENS.admin, reconnect: false });
    const again = second.handle(terminal.info());
    expect((await again.execute('echo back')).stdout).toBe('back\n');
    expect(server.orphanedTerminalCount).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(orch.listTerminals({ state: 'running' }).map((t) => t.id)).toEqual([terminal.id]);
    await second.close();
  });

  it('lets only the same token adopt an orphan: a viewer or another agent cannot take it and kill it', async () => {
    const { url, server, orch } = await startWs({ reconnectGraceMs: 60_000 });
    const { client: first, drop } = await droppableClient(url, TOKENS.alice);
    const terminal = await first.spawnTerminal('alice-1');
    drop();
    await until(() => server.orphanedTerminalCount === 1, 'the terminal to be orphaned');
    // The viewer may read it, and bob may name it in a call that succeeds ($/ping ignores it); each
    // then ends cleanly, which kills what its connection holds.
    const viewer = await connectWebSocket(url, { token: TOKENS.viewer, reconnect: false });
    await viewer.handle(terminal.info()).read();
    await viewer.close();
    const bob = await rawSocket(url);
    await bob.initialize(TOKENS.bob);
    bob.send(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: '$/ping', params: { terminalId: terminal.id } }),
    );
    expect((await bob.next()).result).toBeDefined();
    bob.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: '$/shutdown' }));
    expect((await bob.next()).result).toEqual(expect.objectContaining({ released: 0 }));
    expect(orch.listTerminals({ state: 'running' }).map((t) => t.id)).toEqual([terminal.id]);
    expect(server.orphanedTerminalCount).toBe(1);
    // Its owner comes back and adopts it.
    const back = await connectWebSocket(url, { token: TOKENS.alice, reconnect: false });
    expect((await back.handle(terminal.info()).execute('echo mine')).stdout).toBe('mine\n');
    expect(server.orphanedTerminalCount).toBe(0);
    await back.close();
    expect(orch.listTerminals({ state: 'running' })).toEqual([]);
  });

  it('answers a result over the 16 MiB backlog budget with PayloadTooLarge, not a queued giant frame', async () => {
    const { url } = await startWs();
    const client = await connectWebSocket(url, { token: TOKENS.admin, reconnect: false });
    await expectOversizedAnswerRefused(client);
    await client.close();
  });

  it('keeps nothing for requests whose id no answer can carry back', async () => {
    const { url, server } = await startWs();
    const raw = await rawSocket(url);
    await raw.initialize(TOKENS.admin);
    // Answered with `id: null`: a tracked id would stay for the connection's life.
    for (const id of [[1], { big: 'x'.repeat(1000) }, 1.5])
      raw.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'terminal.read', params: { terminalId: 't' } }));
    for (let i = 0; i < 3; i++) expect((await raw.next()).id).toBeNull();
    const [client] = [...(server as unknown as { clients: Set<{ leases: object }> }).clients];
    const leases = client?.leases as unknown as { touches: Map<unknown, unknown>; spawns: Set<unknown> };
    expect([leases.touches.size, leases.spawns.size]).toEqual([0, 0]);
  });

  it('serves 50 concurrent clients for a bounded time with no errors and no lost output', async () => {
    // 50 shells starting at once on a loaded 2-core machine can take longer than the default 10 s
    // to show their first prompt; this test is about losing nothing, so they get a minute.
    const orchestrator = testOrchestrator({ backend: new DirectBackend({ spawnTimeoutMs: 60_000 }) });
    const { url, server } = await startWs({ reconnectGraceMs: 0, orchestrator });
    const clients = await Promise.all(
      Array.from({ length: 50 }, () => connectWebSocket(url, { token: TOKENS.admin, reconnect: false })),
    );
    // At least one command per client and ~4 s of load, then each proves its stream equals the
    // terminal's output exactly. The deadline only bounds the extra rounds: on a loaded machine the
    // 50 spawns alone can outlast it, and the test is about losing nothing, not about speed.
    const deadline = Date.now() + 4_000;
    const errors: unknown[] = [];
    let commands = 0;
    try {
      await Promise.all(
        clients.map(async (client, c) => {
          try {
            const terminal = await client.spawnTerminal(`worker-${c}`);
            const chunks: { offset: number; nextOffset: number; data: string }[] = [];
            let gaps = 0;
            const streaming = (async () => {
              for await (const event of terminal.stream({ fromOffset: 0 })) {
                if (event.type === 'data') chunks.push(event);
                else if (event.type === 'gap') gaps++;
                if (chunks.at(-1)?.data.includes(`done-${c}\r\n`)) break;
              }
            })();
            for (let i = 0; i === 0 || Date.now() < deadline; i++) {
              const result = await terminal.execute(`seq 1 200 | sed 's/^/c${c}-${i}-/'`);
              const expected = Array.from({ length: 200 }, (_, k) => `c${c}-${i}-${k + 1}\n`).join('');
              expect(result.stdout).toBe(expected);
              expect(result.exitCode).toBe(0);
              commands++;
            }
            await terminal.execute(`echo done-${c}`);
            await streaming;
            expect(gaps).toBe(0);
            let next = 0;
            for (const chunk of chunks) {
              expect(chunk.offset).toBe(next);
              next = chunk.nextOffset;
            }
            const streamed = chunks.map((chunk) => chunk.data).join('');
            const read = await terminal.read({ fromOffset: 0, maxBytes: next });
            expect(read.nextOffset).toBe(next);
            expect(streamed).toBe(read.data);
          } catch (error) {
            errors.push(error);
          }
        }),
      );
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
    expect(errors).toEqual([]);
    expect(commands).toBeGreaterThanOrEqual(50);
    await until(() => server.stats().connections === 0, 'every connection to be cleaned up');
  }, 120_000);
});
