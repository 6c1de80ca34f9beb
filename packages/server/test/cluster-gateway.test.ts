// `orchflow serve --cluster` as a real process in front of two real `orchflow node` processes on a
// real nats-server: WebSocket and HTTP clients (and curl-style REST) use the cluster through it
// exactly as they use one server; terminals land on both nodes; listings gather both; the caller's
// token is checked by the nodes (a wrong one, or none, is refused with the node's Unauthorized,
// an agent token cannot act as another agent); flags that need a local orchestrator exit 2.

import { ClusterDirectory } from '@orchflow/client/internal';
import { OrchflowClient } from '@orchflow/client/node';
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { gatewayOptions } from '../src/cli/serve-cluster';
import { cliForTest, runCli, tokensFileForTest, waitForStderr } from './cli-run';
import { natsForTest, ncForTest, until } from './cluster-harness';
import { TOKENS } from './transport-harness';

/** The gateway's listener URLs, read from its ready banner. */
async function startGateway(args: string[]): Promise<{ ws: string; http: string; banner: string }> {
  const child = cliForTest(['serve', '--log-format', 'human', '--ws', '0', '--http', '0', ...args]);
  const banner = await waitForStderr(child, 'policy');
  const ws = /ws:\/\/127\.0\.0\.1:\d+/.exec(banner)?.[0];
  const http = /http:\/\/127\.0\.0\.1:\d+/.exec(banner)?.[0];
  if (!ws || !http) throw new Error(`no listener in the banner: ${banner}`);
  return { ws, http, banner };
}

/** One MCP (Streamable HTTP) POST; the answer from a JSON body or the first SSE `data:` line. */
async function mcpPost(
  url: string,
  token: string,
  body: unknown,
  session?: string,
): Promise<{ status: number; session: string | null; message: Record<string, unknown> | undefined }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      ...(session ? { 'Mcp-Session-Id': session, 'Mcp-Protocol-Version': '2025-06-18' } : {}),
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const json = text.startsWith('{') ? text : /^data: (.*)$/m.exec(text)?.[1];
  return {
    status: response.status,
    session: response.headers.get('mcp-session-id'),
    message: json ? (JSON.parse(json) as Record<string, unknown>) : undefined,
  };
}

/** An MCP session's `terminal_run` of `command` through the gateway. */
async function mcpRun(url: string, token: string, command: string) {
  const init = await mcpPost(url, token, {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'gw-mcp', version: '1' } },
  });
  const session = init.session ?? undefined;
  await mcpPost(url, token, { jsonrpc: '2.0', method: 'notifications/initialized' }, session);
  const call = await mcpPost(
    url,
    token,
    { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'terminal_run', arguments: { command } } },
    session,
  );
  return { init, call };
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a failure'),
    (error: unknown) => error,
  );
}

describe('orchflow serve --cluster: flags', () => {
  it('refuses local-orchestrator flags with --cluster and NATS flags without it', () => {
    const base = { cluster: 'nats://127.0.0.1:4222', backend: 'direct', tmuxSocket: 'orchflow' };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...base, policy: 'trusted' }, /--policy cannot be used with --cluster/],
      [{ ...base, tokens: 'f.json' }, /--tokens cannot be used with --cluster/],
      [{ ...base, token: 'x'.repeat(20) }, /--token cannot be used with --cluster/],
      [{ ...base, backend: 'tmux' }, /--backend\/--tmux-socket cannot be used/],
      [{ ...base, metricsAuth: 'token' }, /--metrics-auth token with --cluster needs --metrics-token/],
      [{ ...base, record: '/tmp/r' }, /--record cannot be used with --cluster/],
      [{ ...base, auditLog: '/tmp/a' }, /--audit-log cannot be used with --cluster/],
      [{ ...base, maxTerminals: 3 }, /--max-terminals cannot be used/],
      [{ ...base, cluster: 'not a url' }, /--cluster takes NATS server URLs/],
      [{ ...base, clusterName: 'a.b' }, /--cluster-name: Invalid cluster name/],
      [{ ...base, natsToken: 't', natsUser: 'u', natsPass: 'p' }, /Pass one of --nats-token/],
      [{ ...base, natsUser: 'u' }, /--nats-user and --nats-pass go together/],
      [{ natsToken: 't', backend: 'direct' }, /--nats-token configures the gateway's NATS connection/],
      [{ clusterName: 'c', backend: 'direct' }, /--cluster-name configures/],
    ];
    for (const [flags, message] of cases) {
      let error: unknown;
      try {
        gatewayOptions(flags as never);
      } catch (e) {
        error = e;
      }
      expect(isOrchflowError(error) && error.code, JSON.stringify(flags)).toBe(ErrorCode.InvalidParams);
      expect((error as Error).message).toMatch(message);
    }
    expect(gatewayOptions({ ...base, clusterName: 'blue', natsToken: 'nt' } as never)).toMatchObject({
      cluster: 'blue',
      servers: ['nats://127.0.0.1:4222'],
      nats: { servers: ['nats://127.0.0.1:4222'], token: 'nt' },
    });
    expect(gatewayOptions({ backend: 'direct' } as never)).toBeUndefined();
  });

  it('exits 2 with one line for a bad combination', async () => {
    const [policy, record, stray] = await Promise.all([
      runCli(['serve', '--cluster', 'nats://127.0.0.1:1', '--ws', '0', '--policy', 'trusted']),
      runCli(['serve', '--cluster', 'nats://127.0.0.1:1', '--http', '0', '--record', '/tmp/r']),
      runCli(['serve', '--ws', '0', '--nats-token', 'abc']),
    ]);
    expect(policy.code).toBe(2);
    expect(policy.stderr).toMatch(/^orchflow: --policy cannot be used with --cluster/);
    expect(policy.stderr.trim().split('\n')).toHaveLength(1);
    expect(record.code).toBe(2);
    expect(record.stderr).toMatch(/--record cannot be used with --cluster/);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/--nats-token configures the gateway's NATS connection/);
  }, 60_000);
});

describe('orchflow serve --cluster: a gateway to two nodes', () => {
  it('serves WebSocket, HTTP sessions and REST through the cluster; nodes check the tokens', async () => {
    const nats = await natsForTest();
    const tokens = await tokensFileForTest([
      { token: TOKENS.admin, principal: { kind: 'admin' } },
      { token: TOKENS.alice, principal: { kind: 'agent', name: 'alice', agentIdPrefix: 'alice' } },
    ]);
    const nc = await ncForTest(nats.url);
    const directory = await ClusterDirectory.open(nc, { checkIntervalMs: 100 });
    onTestFinished(() => directory.close());
    const node = [
      'node',
      '--log-format',
      'human',
      '--nats',
      nats.url,
      '--tokens',
      tokens,
      '--policy',
      'trusted',
    ];
    const n1 = cliForTest([...node, '--name', 'gw-n1']);
    const n2 = cliForTest([...node, '--name', 'gw-n2']);
    await Promise.all([waitForStderr(n1, 'ready'), waitForStderr(n2, 'ready')]);
    await until(() => directory.nodes().length === 2, 'both nodes announced');

    const gateway = await startGateway(['--cluster', nats.url, '--mcp']);
    expect(gateway.banner).toMatch(/gateway to cluster 'orchflow'/);
    expect(gateway.banner).toMatch(/live nodes: gw-n\d, gw-n\d/);

    // WebSocket: spawn, execute, stream, read, kill — terminals on both nodes.
    const ws = await OrchflowClient.websocket(gateway.ws, { token: TOKENS.admin, reconnect: false });
    onTestFinished(() => ws.close());
    expect(ws.principal).toMatchObject({ kind: 'admin' });
    const terminals = [];
    for (let i = 0; i < 4; i++) terminals.push(await ws.spawnTerminal(`agent-${i}`));
    const owners = new Set(terminals.map((t) => t.id.slice(0, t.id.indexOf('_'))));
    expect(owners).toEqual(new Set(['gw-n1', 'gw-n2']));
    for (const terminal of terminals) {
      expect(await terminal.execute(`echo on-${terminal.id.slice(0, 5)}`)).toMatchObject({
        stdout: `on-${terminal.id.slice(0, 5)}\n`,
        exitCode: 0,
      });
    }
    const [first] = terminals;
    if (!first) throw new Error('no terminal');
    let streamed = '';
    let marked: () => void = () => undefined;
    const seen = new Promise<void>((resolve) => {
      marked = resolve;
    });
    // Resolves once output flows, so nothing written after it is missed.
    const stop = await first.onOutput((chunk) => {
      streamed += chunk.data;
      if (streamed.includes('streamed-marker-42')) marked();
    });
    await first.write('echo streamed-marker-$((40+2))\n');
    await seen;
    stop.dispose();
    const page = await first.read({ fromOffset: 0 });
    expect(page.data).toContain('streamed-marker-42');
    const listed = await ws.listTerminals();
    const ids = listed.map((t) => t.id);
    for (const terminal of terminals) expect(ids).toContain(terminal.id);
    await first.kill();
    const after = await ws.listTerminals();
    expect(after.find((t) => t.id === first.id)?.state ?? 'gone').not.toBe('running');

    // HTTP sessions (OrchflowClient.http): spawn + execute; its list gathers both nodes too.
    const http = await OrchflowClient.http(gateway.http, { token: TOKENS.admin });
    onTestFinished(() => http.close());
    const viaHttp = [await http.spawnTerminal('http-a'), await http.spawnTerminal('http-b')];
    for (const terminal of viaHttp) {
      expect(await terminal.execute('echo over-http')).toMatchObject({ stdout: 'over-http\n', exitCode: 0 });
    }
    const httpIds = (await http.listTerminals()).map((t) => t.id);
    expect(httpIds.some((id) => id.startsWith('gw-n1_'))).toBe(true);
    expect(httpIds.some((id) => id.startsWith('gw-n2_'))).toBe(true);

    // REST, curl-style: each request is its own connection through the cluster.
    const auth = { Authorization: `Bearer ${TOKENS.admin}`, 'Content-Type': 'application/json' };
    const spawned = await fetch(`${gateway.http}/v1/terminals`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ agentId: 'rest-agent' }),
    });
    expect(spawned.status).toBe(201);
    const restId = ((await spawned.json()) as { id: string }).id;
    expect(restId).toMatch(/^gw-n[12]_/);
    const executed = await fetch(`${gateway.http}/v1/terminals/${restId}/execute`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ command: 'echo via-rest' }),
    });
    expect(executed.status).toBe(200);
    expect(await executed.json()).toMatchObject({ stdout: 'via-rest\n', exitCode: 0 });
    const restList = (await (await fetch(`${gateway.http}/v1/terminals`, { headers: auth })).json()) as {
      terminals: { id: string }[];
    };
    expect(restList.terminals.map((t) => t.id)).toContain(restId);

    // MCP (--mcp) over the gateway: each MCP session is a client of the cluster with its token.
    const mcp = await mcpRun(`${gateway.http}/mcp`, TOKENS.admin, 'echo via-mcp');
    expect(mcp.init.status).toBe(200);
    const report = (mcp.call.message?.result as { structuredContent?: Record<string, unknown> })
      ?.structuredContent;
    expect(report, JSON.stringify(mcp.call)).toMatchObject({ status: 'exited', exit_code: 0 });
    expect(String(report?.output)).toContain('via-mcp');
    expect(String(report?.terminal_id)).toMatch(/^gw-n[12]_/);
    const refusedMcp = await mcpRun(`${gateway.http}/mcp`, 'wrong-token-0123456789abcdef', 'echo nope');
    expect(JSON.stringify(refusedMcp)).not.toContain('"exit_code":0');
    expect(JSON.stringify(refusedMcp)).toMatch(/token was not accepted/);

    // The nodes judge the caller's token: wrong or missing → their Unauthorized, unchanged.
    const wrong = await errorOf(
      OrchflowClient.websocket(gateway.ws, { token: 'wrong-token-0123456789abcdef', reconnect: false }),
    );
    expect(isOrchflowError(wrong) && wrong.code).toBe(ErrorCode.Unauthorized);
    expect((wrong as Error).message).toMatch(/token was not accepted/);
    const none = await errorOf(OrchflowClient.websocket(gateway.ws, { reconnect: false }));
    expect(isOrchflowError(none) && none.code).toBe(ErrorCode.Unauthorized);
    expect((none as Error).message).toMatch(/requires a token/);
    const wrongHttp = await errorOf(
      OrchflowClient.http(gateway.http, { token: 'wrong-token-0123456789abcdef' }),
    );
    expect(isOrchflowError(wrongHttp) && wrongHttp.code).toBe(ErrorCode.Unauthorized);
    const anonymousRest = await fetch(`${gateway.http}/v1/terminals`);
    expect(anonymousRest.status).toBe(401);

    // An agent token gets what the nodes give it, no more: its own agents only.
    const alice = await OrchflowClient.websocket(gateway.ws, { token: TOKENS.alice, reconnect: false });
    onTestFinished(() => alice.close());
    expect(alice.principal).toMatchObject({ kind: 'agent', name: 'alice' });
    const own = await alice.spawnTerminal('alice-1');
    expect(await own.execute('echo mine')).toMatchObject({ stdout: 'mine\n' });
    const foreign = await errorOf(alice.spawnTerminal('bob-1'));
    expect(isOrchflowError(foreign) && foreign.code).toBe(ErrorCode.Forbidden);
    const aliceSees = (await alice.listTerminals()).map((t) => t.id);
    expect(aliceSees).toEqual([own.id]);
  }, 120_000);
});
