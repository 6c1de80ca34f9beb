// What a client learns when its request fails inside the server (an InternalError), over every
// transport. The failure is a real one: the audit log is /dev/full, so writing the entry a command
// needs fails with ENOSPC and the command is refused (fail closed) with an InternalError naming the
// log's path. A remote client (WebSocket, HTTP sessions and REST, Unix socket) is told what failed
// and an error id, never the path; the server's onError (and `orchflow serve`'s log) has the full
// detail under the same id. A stdio client, the sidecar's own parent, gets the detail and the id.
// Typed errors (SpawnFailed for the client's cwd, PolicyDenied) pass unchanged.
import { PassThrough } from 'node:stream';
import { OrchflowClient } from '@orchflow/client/node';
import {
  ContentLengthCodec,
  ErrorCode,
  internalErrorId,
  type OrchflowError,
  type SecurityAlertParams,
} from '@orchflow/protocol';
import { StreamChannel } from '@orchflow/protocol/node';
import { AuditLog } from '@orchflow/security';
import pino from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { ChannelServer } from '../src/channel-server';
import { mcpOverHttp } from '../src/cli/serve-mcp';
import { StdioServer } from '../src/stdio';
import { UnixSocketServer } from '../src/unix';
import { cliForTest } from './cli-run';
import {
  AUDIT_LOG,
  auditFailing,
  expectRedacted,
  expectReported,
  failure,
  jsonLogLines,
  REDACTED,
} from './internal-errors-harness';
import { startHttp, startWs, TOKENS, testAuthenticator, testOrchestrator, until } from './transport-harness';
import { unixFixture } from './unix-harness';

describe('internal errors over the network transports', () => {
  it('WebSocket: says what failed and an error id, not the path; onError has the detail under the id', async () => {
    const errors: Error[] = [];
    const { url } = await startWs({ orchestrator: auditFailing(), onError: (e) => errors.push(e) });
    const client = await OrchflowClient.websocket(url, { token: TOKENS.admin, reconnect: false });
    onTestFinished(() => client.close());
    const alerts: SecurityAlertParams[] = [];
    client.onSecurityAlert((alert) => alerts.push(alert));
    const terminal = await client.spawnTerminal('audit');
    const errorId = expectRedacted(await failure(terminal.execute('echo hi')));
    expectReported(errors, errorId);
    // The critical alert that the log cannot be written says so, without the log's path or error.
    await until(() => alerts.length > 0, 'the audit-log alert');
    expect(alerts[0]).toEqual({
      severity: 'critical',
      agentId: 'audit',
      terminalId: terminal.id,
      command: 'echo hi',
      rule: 'audit-log',
      reason:
        "The server's audit log could not be written, so commands are refused until it can be (fail closed). The server's operator finds the cause in the server's log, under the error id of each command refused for it",
    });

    // A denial the log could not record: the caller still learns of its own denial.
    const denied = await failure(terminal.execute('rm -f x'));
    expect(denied.message).toMatch(REDACTED);
    expect(denied.data).toMatchObject({ denial: { code: ErrorCode.PolicyDenied } });
    expect(JSON.stringify(denied.toJson())).not.toContain(AUDIT_LOG);

    // Typed errors are the client's: unchanged, the cwd it asked for included.
    const spawn = await failure(client.spawnTerminal('audit', { cwd: '/no/such/dir' }));
    expect(spawn.code).toBe(ErrorCode.SpawnFailed);
    expect(spawn.message).toBe(
      "Working directory '/no/such/dir' does not exist; create it or pass another cwd",
    );
    expect(spawn.data).toEqual({ cwd: '/no/such/dir' });
    expect(errors.filter((e) => internalErrorId(e) !== undefined)).toHaveLength(2);
  });

  it('HTTP session: the same answer and report', async () => {
    const errors: Error[] = [];
    const { url } = await startHttp({ orchestrator: auditFailing(), onError: (e) => errors.push(e) });
    const client = await OrchflowClient.http(url, { token: TOKENS.admin });
    onTestFinished(() => client.close());
    const terminal = await client.spawnTerminal('audit');
    expectReported(errors, expectRedacted(await failure(terminal.execute('echo hi'))));
  });

  it('HTTP REST: a 500 with the same body, reported once', async () => {
    const errors: Error[] = [];
    const { url } = await startHttp({ orchestrator: auditFailing(), onError: (e) => errors.push(e) });
    const call = async (path: string, body: unknown) => {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKENS.admin}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const spawned = await call('/v1/terminals', { agentId: 'curl' });
    expect(spawned.status).toBe(201);
    const executed = await call(`/v1/terminals/${String(spawned.body.id)}/execute`, { command: 'echo hi' });
    expect(executed.status).toBe(500);
    const { codeName, ...error } = executed.body.error as { codeName: string; code: number; message: string };
    expect(codeName).toBe('InternalError');
    const errorId = expectRedacted(error);
    expectReported(errors, errorId);
    expect(errors.filter((e) => internalErrorId(e) !== undefined)).toHaveLength(1);
  });

  it("HTTP REST: a failure of the route's own code (not the dispatcher's) is answered the same way", async () => {
    const errors: Error[] = [];
    const channels: ChannelServer = {
      serve: () => {
        throw new Error("EMFILE: too many open files, open '/srv/orchflow/state'");
      },
      kill: async () => undefined,
    };
    // `channels` is served in place of the harness's orchestrator.
    const { url } = await startHttp({ channels, onError: (e) => errors.push(e) });
    const response = await fetch(`${url}/v1/terminals`, {
      headers: { Authorization: `Bearer ${TOKENS.admin}` },
    });
    expect(response.status).toBe(500);
    const { error } = (await response.json()) as { error: { message: string; data: { errorId: string } } };
    const { errorId } = error.data;
    expect(error.message).toBe(
      `GET /v1/terminals failed on the server with an internal error (error id ${errorId}). Retrying may help; if it keeps failing, give the server's operator this error id: the server's log has the cause under it`,
    );
    const report = errors.find((e) => internalErrorId(e) === errorId);
    expect(report?.message).toContain("open '/srv/orchflow/state'");
    expect((report?.cause as Error | undefined)?.stack).toMatch(/\n\s+at /);
  });
});

describe('internal errors over the byte-stream transports', () => {
  const fixture = unixFixture('orchflow-internal-errors-');

  /** A logger whose JSON lines land in `lines`. */
  function memoryLogger() {
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    return { log, lines };
  }

  it('Unix socket: what failed and an error id; the log line at error level has the detail', async () => {
    const { log, lines } = memoryLogger();
    const path = `${fixture.dir}/internal.sock`;
    const server = fixture.track(new UnixSocketServer({ orchestrator: auditFailing(), path, logger: log }));
    await server.start();
    const client = await OrchflowClient.unixSocket(path);
    onTestFinished(() => client.close());
    const terminal = await client.spawnTerminal('audit');
    const errorId = expectRedacted(await failure(terminal.execute('echo hi')));
    const detail = lines.find((line) => line.errorId === errorId && line.level === 50);
    expect(detail).toMatchObject({
      msg: 'request failed with an internal error',
      request: "'terminal.execute'",
      data: { path: AUDIT_LOG },
    });
    expect(detail?.err).toMatch(/Audit log '\/dev\/full' could not be written \(ENOSPC/);
    expect(detail?.stack).toMatch(/\n\s+at /);
    // The per-request line names the same id.
    expect(lines.find((line) => line.msg === 'request failed')).toMatchObject({ errorId });
  });

  it('stdio: the parent of the sidecar gets the detail, with the error id its log has too', async () => {
    const { log, lines } = memoryLogger();
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    const server = new StdioServer({
      orchestrator: auditFailing(),
      input: toServer,
      output: toClient,
      logger: log,
    });
    await server.start();
    onTestFinished(() => server.stop());
    const channel = new StreamChannel(
      { readable: toClient, writable: toServer },
      { codec: new ContentLengthCodec() },
    );
    const client = await OrchflowClient.fromChannel(channel);
    onTestFinished(() => client.close());
    const alerts: SecurityAlertParams[] = [];
    client.onSecurityAlert((alert) => alerts.push(alert));
    const terminal = await client.spawnTerminal('audit');
    const error = await failure(terminal.execute('echo hi'));
    // Its audit-log alert has the log's own error too.
    await until(() => alerts.length > 0, 'the audit-log alert');
    expect(alerts[0]).toMatchObject({
      rule: 'audit-log',
      reason: expect.stringMatching(/^Audit log '\/dev\/full' could not be written \(ENOSPC/),
    });
    expect(error.code).toBe(ErrorCode.InternalError);
    expect(error.message).toMatch(/^Audit log '\/dev\/full' could not be written \(ENOSPC/);
    const errorId = internalErrorId(error);
    expect(error.data).toEqual({ path: AUDIT_LOG, errorId: expect.stringMatching(/^[0-9a-f]{12}$/) });
    expect(lines.find((line) => line.errorId === errorId && line.level === 50)).toMatchObject({
      msg: 'request failed with an internal error',
    });
  });
});

describe('orchflow serve logs internal errors under their id', () => {
  it('writes one error line per failure, with the id the WebSocket and HTTP clients were given', async () => {
    const token = 'internal-errors-test-token-0123456789';
    const child = cliForTest([
      'serve',
      '--ws',
      '0',
      '--http',
      '0',
      '--token',
      token,
      '--audit-log',
      AUDIT_LOG,
      '--log-format',
      'json',
    ]);
    const { lineWhere } = jsonLogLines(child);
    const listening = await lineWhere((line) => line.msg === 'listening');
    const address = (transport: string) =>
      (listening.listeners as { transport: string; address: string }[]).find((l) => l.transport === transport)
        ?.address as string;

    const ws = await OrchflowClient.websocket(address('websocket'), { token, reconnect: false });
    onTestFinished(() => ws.close());
    const wsId = expectRedacted(await failure((await ws.spawnTerminal('ws')).execute('echo hi')));
    const http = await OrchflowClient.http(address('http'), { token });
    onTestFinished(() => http.close());
    const httpId = expectRedacted(await failure((await http.spawnTerminal('http')).execute('echo hi')));

    for (const [errorId, transport] of [
      [wsId, 'ws'],
      [httpId, 'http'],
    ]) {
      const line = await lineWhere((l) => l.errorId === errorId);
      expect(line).toMatchObject({
        level: 50,
        msg: 'request failed with an internal error',
        transport,
        request: "'terminal.execute'",
        data: { path: AUDIT_LOG },
      });
      expect(line.err).toMatch(/Audit log '\/dev\/full' could not be written \(ENOSPC/);
    }
  });
});

/**
 * An MCP session over `url`'s /mcp (2025-era, as most clients still are), initialized; resolves
 * with the function that posts one message and returns its answer.
 */
async function mcpSession(url: string) {
  let session: string | undefined;
  const post = async (message: Record<string, unknown>): Promise<Record<string, unknown> | undefined> => {
    const response = await fetch(`${url}/mcp`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${TOKENS.admin}`,
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18',
        ...(session ? { 'mcp-session-id': session } : {}),
      },
      body: JSON.stringify({ jsonrpc: '2.0', ...message }),
    });
    session ??= response.headers.get('mcp-session-id') ?? undefined;
    const text = await response.text();
    if (!('id' in message)) return undefined;
    // One JSON-RPC answer, as JSON or as the `data:` of one server-sent event.
    const json = text.startsWith('{') ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? '');
    return JSON.parse(json) as Record<string, unknown>;
  };
  await post({
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });
  await post({ method: 'notifications/initialized' });
  return post;
}

/** The text of a tool call's error result, and the error id in it. */
function toolErrorOf(answer: Record<string, unknown> | undefined): { text: string; errorId: string } {
  const result = answer?.result as { isError?: boolean; content: { text: string }[] };
  expect(result.isError).toBe(true);
  const text = result.content[0]?.text ?? '';
  return { text, errorId: /\(error id ([0-9a-f]{12})\)/.exec(text)?.[1] ?? 'no error id in the tool error' };
}

describe('internal errors over MCP (serve --http --mcp)', () => {
  it("an MCP client's tool error says what failed and an error id; onError has the detail", async () => {
    const errors: Error[] = [];
    const orchestrator = auditFailing();
    const onError = (e: Error) => errors.push(e);
    const auth = testAuthenticator();
    const mcp = mcpOverHttp(orchestrator, { host: '127.0.0.1' }, onError, auth);
    onTestFinished(() => mcp.server.close());
    const { url } = await startHttp({ orchestrator, auth, mcp: mcp.handler, onError });
    const post = await mcpSession(url);
    const { text, errorId } = toolErrorOf(
      await post({
        id: 2,
        method: 'tools/call',
        params: { name: 'terminal_run', arguments: { command: 'echo hi' } },
      }),
    );
    expect(text).toMatch(/'terminal\.execute' failed on the server with an internal error/);
    expect(text).not.toMatch(/dev\/full|ENOSPC/);
    expectReported(errors, errorId);
  });

  it("the MCP server's own audit log failing: the result is withheld, what failed and an id; onError has the path", async () => {
    const errors: Error[] = [];
    const orchestrator = testOrchestrator();
    const onError = (e: Error) => errors.push(e);
    const auth = testAuthenticator();
    const audit = await AuditLog.open(AUDIT_LOG);
    onTestFinished(() => audit.close());
    const mcp = mcpOverHttp(orchestrator, { host: '127.0.0.1', audit }, onError, auth);
    onTestFinished(() => mcp.server.close());
    const { url } = await startHttp({ orchestrator, auth, mcp: mcp.handler, onError });
    const post = await mcpSession(url);
    const { text, errorId } = toolErrorOf(
      await post({ id: 2, method: 'tools/call', params: { name: 'terminal_list', arguments: {} } }),
    );
    expect(text).toBe(
      `Error: the audit log could not record this call, so its result is withheld: 'terminal_list' failed on the server with an internal error (error id ${errorId}). Retrying may help; if it keeps failing, give the server's operator this error id: the server's log has the cause under it`,
    );
    const report = errors.find((e) => internalErrorId(e) === errorId) as OrchflowError | undefined;
    expect(report?.message).toMatch(/Audit log '\/dev\/full' could not be written \(ENOSPC/);
    expect(report?.data).toMatchObject({ errorId, request: "'terminal_list'", data: { path: AUDIT_LOG } });
  });
});
