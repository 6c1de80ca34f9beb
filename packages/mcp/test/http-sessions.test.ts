// Streamable HTTP identities and resource updates on the real `orchflow serve --http 0 --mcp`:
// 2025-era clients (the v1 SDK client) each get an MCP session, hence their own agent id, even
// under one token and one client name, and `resources/updated` on their GET stream; 2026-07-28
// clients get updates on `subscriptions/listen` streams, only for terminals they may see; a
// viewer token gets the read-only tools only; with several tokens each holds at most half of the
// 64 sessions.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as HttpV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandReport } from '../src';
import { type ServeProcess, startServe } from './cli-harness';
import { structured, type ToolCaller, tempDir, textOf } from './helpers';

const ADMIN = 'mcp-sessions-admin-token-0123456789';
const TEAM = 'mcp-sessions-team-token-0123456789';
const OTHER = 'mcp-sessions-other-token-0123456789';
const VIEWER = 'mcp-sessions-viewer-token-0123456789';
// Only the share test uses it: the sessions of the other tests count against their tokens' shares.
const FILLER = 'mcp-sessions-filler-token-0123456789';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `found()` holds (checked as notifications arrive), failing after 20 s. */
async function eventually(found: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!found()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('MCP over Streamable HTTP: sessions, listen streams, viewers', { timeout: 120_000 }, () => {
  let serve: ServeProcess;

  beforeAll(async () => {
    const tokens = join(tempDir(), 'tokens.json');
    writeFileSync(
      tokens,
      JSON.stringify({
        tokens: [
          { token: ADMIN, principal: { kind: 'admin' } },
          { token: TEAM, principal: { kind: 'agent', name: 'team', agentIdPrefix: 'team-' } },
          { token: OTHER, principal: { kind: 'agent', name: 'other', agentIdPrefix: 'other-' } },
          { token: VIEWER, principal: { kind: 'viewer', name: 'watcher' } },
          { token: FILLER, principal: { kind: 'agent', name: 'filler', agentIdPrefix: 'filler-' } },
        ],
      }),
    );
    serve = await startServe(['--http', '0', '--mcp', '--tokens', tokens]);
  }, 120_000);
  afterAll(async () => {
    await serve?.stop();
  }, 60_000);

  const headers = (token: string) => ({ requestInit: { headers: { Authorization: `Bearer ${token}` } } });

  async function v1(name: string, token: string): Promise<{ client: ClientV1; transport: HttpV1 }> {
    const client = new ClientV1({ name, version: '1.0.0' });
    const transport = new HttpV1(new URL(serve.mcpUrl), headers(token));
    await client.connect(transport);
    return { client, transport };
  }

  async function v2(name: string, token: string): Promise<ClientV2> {
    const client = new ClientV2({ name, version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new HttpV2(new URL(serve.mcpUrl), headers(token)));
    return client;
  }

  const run = async (client: ToolCaller, command: string) =>
    structured<CommandReport>(
      'terminal_run',
      await client.callTool({ name: 'terminal_run', arguments: { command } }),
    );

  it('gives each 2025-era session its own agent id under one token and one client name', async () => {
    const a = await v1('twin', TEAM);
    const b = await v1('twin', TEAM);
    try {
      const spawnedA = structured<{ terminal_id: string; agent_id: string }>(
        'terminal_spawn',
        await a.client.callTool({ name: 'terminal_spawn', arguments: {} }),
      );
      const spawnedB = structured<{ terminal_id: string; agent_id: string }>(
        'terminal_spawn',
        await b.client.callTool({ name: 'terminal_spawn', arguments: {} }),
      );
      expect(spawnedA.agent_id).toMatch(/^team-mcp-twin-[0-9a-f]{12}$/);
      expect(spawnedB.agent_id).toMatch(/^team-mcp-twin-[0-9a-f]{12}$/);
      expect(spawnedA.agent_id).not.toBe(spawnedB.agent_id);
      // Neither sees nor controls the other's terminal.
      const listed = structured<{ terminals: { terminal_id: string }[] }>(
        'terminal_list',
        await a.client.callTool({ name: 'terminal_list', arguments: {} }),
      );
      expect(listed.terminals.map((t) => t.terminal_id)).toEqual([spawnedA.terminal_id]);
      const foreign = await b.client.callTool({
        name: 'terminal_read',
        arguments: { terminal_id: spawnedA.terminal_id },
      });
      expect(foreign.isError).toBe(true);
      expect(textOf(foreign)).toMatch(/No terminal/);

      // DELETE ends the session: its terminal goes with it; the other session's stays.
      await a.transport.terminateSession();
      const admin = await v2('admin-watch', ADMIN);
      try {
        const ids = async () =>
          structured<{ terminals: { terminal_id: string; state: string }[] }>(
            'terminal_list',
            await admin.callTool({ name: 'terminal_list', arguments: {} }),
          )
            .terminals.filter((t) => t.state !== 'exited')
            .map((t) => t.terminal_id);
        const deadline = Date.now() + 20_000;
        while ((await ids()).includes(spawnedA.terminal_id) && Date.now() < deadline) await sleep(100);
        expect(await ids()).not.toContain(spawnedA.terminal_id);
        expect(await ids()).toContain(spawnedB.terminal_id);
      } finally {
        await admin.close();
      }
    } finally {
      await a.client.close();
      await b.client.close();
    }
  });

  it('answers a session id presented with another token like an unknown one (404)', async () => {
    const post = (token: string, body: unknown, session?: string) =>
      fetch(serve.mcpUrl, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(session ? { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' } : {}),
        },
        body: JSON.stringify(body),
      });
    const init = await post(TEAM, {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    const session = init.headers.get('mcp-session-id') ?? '';
    await init.body?.cancel();
    expect(session).not.toBe('');
    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };
    const stolen = await post(OTHER, list, session);
    expect(stolen.status).toBe(404);
    await stolen.body?.cancel();
    const own = await post(TEAM, list, session);
    expect(own.status).toBe(200);
    await own.body?.cancel();
  });

  it('sends resources/updated to a 2025-era client on its session stream', async () => {
    const { client } = await v1('sub-v1', TEAM);
    const updates: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updates.push(n.params.uri);
    });
    try {
      const id = (await run(client, 'true')).terminal_id;
      const uri = `orchflow://terminals/${id}/output`;
      await client.subscribeResource({ uri });
      expect(await run(client, 'echo v1-sub')).toMatchObject({ status: 'exited', exit_code: 0 });
      await eventually(() => updates.includes(uri), `resources/updated for ${uri}`);
    } finally {
      await client.close();
    }
  });

  it('sends resources/updated on 2026-07-28 subscriptions/listen streams, only for visible terminals', async () => {
    const owner = await v2('listener', TEAM);
    const stranger = await v2('stranger', OTHER);
    const updates: string[] = [];
    const strangerUpdates: string[] = [];
    owner.setNotificationHandler('notifications/resources/updated', (n) => {
      updates.push(n.params.uri);
    });
    stranger.setNotificationHandler('notifications/resources/updated', (n) => {
      strangerUpdates.push(n.params.uri);
    });
    try {
      const id = (await run(owner, 'true')).terminal_id;
      const uri = `orchflow://terminals/${id}/output`;
      const subscription = await owner.listen({ resourceSubscriptions: [uri] });
      expect(subscription.honoredFilter.resourceSubscriptions).toEqual([uri]);
      // Another token's client may not watch it: the URI is not honored.
      const refused = await stranger.listen({ resourceSubscriptions: [uri], toolsListChanged: true });
      expect(refused.honoredFilter.resourceSubscriptions).toBeUndefined();

      expect(await run(owner, 'echo listen-marker')).toMatchObject({ status: 'exited', exit_code: 0 });
      await eventually(() => updates.includes(uri), `resources/updated for ${uri}`);
      const read = await owner.readResource({ uri });
      expect((read.contents[0] as { text: string }).text).toContain('listen-marker');

      await subscription.close();
      await refused.close();
      updates.length = 0;
      expect(await run(owner, 'echo after-close')).toMatchObject({ status: 'exited', exit_code: 0 });
      // Well past the 250 ms throttle: an open stream would have carried this output's update.
      await sleep(1000);
      expect(updates).toEqual([]);
      expect(strangerUpdates).toEqual([]);
    } finally {
      await owner.close();
      await stranger.close();
    }
  });

  for (const era of ['2025', '2026-07-28'] as const) {
    it(`gives a viewer token only the read-only tools (${era})`, async () => {
      const client = era === '2025' ? (await v1('viewer', VIEWER)).client : await v2('viewer', VIEWER);
      try {
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name).sort()).toEqual(
          ['terminal_list', 'terminal_read', 'terminal_snapshot', 'terminal_wait'].sort(),
        );
        for (const name of ['terminal_run', 'terminal_write', 'terminal_spawn', 'terminal_kill']) {
          const outcome = await client
            .callTool({ name, arguments: { command: 'touch /tmp/x', terminal_id: 'x', text: 'x' } })
            .catch((error: Error) => ({ isError: true, content: [{ type: 'text', text: error.message }] }));
          expect(outcome.isError).toBe(true);
        }
      } finally {
        await client.close();
      }
    });
  }

  // Last: the sessions it opens stay counted until they idle out.
  it("gives each of the server's tokens half of its 64 sessions: the 33rd of one token is refused, others get in", async () => {
    const list = async (client: ClientV2) => {
      const result = await client.callTool({ name: 'terminal_list', arguments: {} });
      return { ok: result.isError !== true, text: textOf(result) };
    };
    const clients: ClientV2[] = [];
    try {
      for (let i = 0; i < 32; i++) {
        const client = await v2(`fill-${i}`, FILLER);
        clients.push(client);
        const answer = await list(client);
        expect(answer.ok, `client ${i}: ${answer.text}`).toBe(true);
      }
      const extra = await v2('fill-32', FILLER);
      clients.push(extra);
      const refused = await list(extra);
      expect(refused.ok).toBe(false);
      expect(refused.text).toMatch(/already holds 32 MCP sessions, its share of the server's 64/);
      const team = await v2('after-fill', TEAM);
      clients.push(team);
      expect((await list(team)).ok).toBe(true);
    } finally {
      for (const client of clients) await client.close().catch(() => undefined);
    }
  });
});
