// One token's share of the MCP sessions (`maxSessionsPerPrincipal`): a token that keeps opening
// clients under new names — sessionless 2026-07-28 clients or 2025-era sessions — is refused (or
// ends its own idle session) past its share, and the other token still gets in.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type CommandReport, createMcpServer, directConnector } from '../src';
import { orchestrator, structured } from './helpers';
import { twoTokenHandler, type Who } from './two-tokens';

/** A handler with 4 sessions, 2 per principal, and modern clients of either token. */
async function server() {
  const table = await twoTokenHandler({ maxSessions: 4, maxSessionsPerPrincipal: 2 });
  const clients: Client[] = [];
  onTestFinished(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
  });
  const connect = async (
    who: Who,
    name: string,
    options: object = { versionNegotiation: { mode: 'auto' } },
  ) => {
    const client = new Client({ name, version: '1' }, options);
    await client.connect(
      new StreamableHTTPClientTransport(new URL(table.url), { requestInit: { headers: { 'x-who': who } } }),
    );
    clients.push(client);
    return client;
  };
  const list = async (client: Client) => {
    const result = await client.callTool({ name: 'terminal_list', arguments: {} });
    const text = (result.content as { type: string; text?: string }[])[0]?.text ?? '';
    return { ok: result.isError !== true, text };
  };
  return { connect, list, initialize: table.initializeAs, tools: table.listTools };
}

describe('one token’s share of the MCP sessions', { timeout: 90_000 }, () => {
  it('refuses a sessionless client past its token’s share, and the other token still gets in', async () => {
    const { connect, list } = await server();
    expect((await list(await connect('mallory', 'm1'))).ok).toBe(true);
    expect((await list(await connect('mallory', 'm2'))).ok).toBe(true);
    const third = await list(await connect('mallory', 'm3'));
    expect(third.ok).toBe(false);
    expect(third.text).toMatch(/already holds 2 MCP sessions, its share of the server's 4/);
    expect((await list(await connect('alice', 'a1'))).ok).toBe(true);
  });

  it('a 2025 session past the share ends its own token’s least recently used idle one', async () => {
    const { initialize, tools } = await server();
    const m1 = await initialize('mallory', 'm1');
    const m2 = await initialize('mallory', 'm2');
    const m3 = await initialize('mallory', 'm3');
    expect([m1.status, m2.status, m3.status]).toEqual([200, 200, 200]);
    expect(await tools('mallory', m1.session)).toBe(404);
    expect(await tools('mallory', m2.session)).toBe(200);
    expect(await tools('mallory', m3.session)).toBe(200);
    expect((await initialize('alice', 'a1')).status).toBe(200);
  });

  it('a 2025 session past the share is refused when all of its token’s sessions are busy', async () => {
    const { initialize, connect } = await server();
    // Without version negotiation the client speaks 2025 and gets a session of its own.
    for (const name of ['a1', 'a2']) {
      const client = await connect('alice', name, {});
      const result = await client.callTool({
        name: 'terminal_run',
        arguments: { command: 'sleep 30', yield_ms: 100 },
      });
      expect(structured<CommandReport>('terminal_run', result).status).toBe('running');
    }
    const refused = await initialize('alice', 'a3');
    expect(refused.status).toBe(503);
    expect(refused.text).toMatch(/already holds 2 MCP sessions, its share .* \(all of them busy\)/);
    expect((await initialize('mallory', 'm1')).status).toBe(200);
  });

  it('refuses share and table sizes that are not whole numbers ≥ 1', async () => {
    const orch = await orchestrator();
    onTestFinished(() => orch.shutdown());
    for (const options of [
      { maxSessionsPerPrincipal: 0 },
      { maxSessions: 1.5 },
      { maxSessions: Number.NaN },
    ]) {
      let error: unknown;
      try {
        createMcpServer({ connect: directConnector(orch), ...options });
      } catch (caught) {
        error = caught;
      }
      expect(isOrchflowError(error) && error.code).toBe(ErrorCode.InvalidParams);
      expect((error as Error).message).toMatch(/must be a whole number >= 1/);
    }
  });
});
