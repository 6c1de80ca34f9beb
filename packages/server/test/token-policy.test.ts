// Per-token security policies end to end over real servers on loopback: a token's policy holds its
// callers on top of the orchestrator's (WebSocket, HTTP and a Unix socket), its denials are
// audited with a `connection:` rule, raw input is refused when it forbids it, and a tokens file
// with a bad policy fails to load, naming the entry and field but never the token.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectWebSocket, OrchflowClient } from '@orchflow/client/node';
import { ConnectionPolicy } from '@orchflow/core';
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { type AuditEntry, verifyAuditLog } from '@orchflow/security';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { TokenAuthenticator } from '../src/auth';
import { HttpServer } from '../src/http/http-server';
import { UnixSocketServer } from '../src/unix';
import { WebSocketServer } from '../src/ws/ws-server';
import { runCli, spawnCli, waitForStderr } from './cli-run';
import { testOrchestrator } from './transport-harness';

const ADMIN = 'admin-token-policy-0123456789';
const AGENT = 'agent-token-policy-0123456789';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orchflow-token-policy-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function workspace(): Promise<string> {
  return mkdtemp(join(dir, 'ws-'));
}

async function failure(promise: Promise<unknown>): Promise<{ code: number; message: string; data: unknown }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isOrchflowError(error), `expected an OrchflowError, got ${String(error)}`).toBe(true);
  return error as { code: number; message: string; data: unknown };
}

function entries(path: string): AuditEntry[] {
  return readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as AuditEntry);
}

/** An admin token and an agent token (agents `agent-*`) whose own policy is `policy`. */
function auth(policy: unknown): TokenAuthenticator {
  return new TokenAuthenticator({
    tokens: [
      { token: ADMIN, principal: { kind: 'admin' } },
      {
        token: AGENT,
        principal: { kind: 'agent', name: 'bot', agentIdPrefix: 'agent-' },
        policy: policy as string,
      },
    ],
  });
}

describe('a token policy over WebSocket', () => {
  it("denies the agent token's rm, lets the admin token run it, and audits the denial", async () => {
    const audit = join(await workspace(), 'audit.jsonl');
    const orch = testOrchestrator({ auditLog: audit });
    const server = new WebSocketServer({ orchestrator: orch, auth: auth({ deniedCommands: ['rm'] }) });
    const { url } = await server.start();
    onTestFinished(() => server.stop());
    const agent = await connectWebSocket(url, { token: AGENT, reconnect: false });
    onTestFinished(() => agent.close());
    const admin = await connectWebSocket(url, { token: ADMIN, reconnect: false });
    onTestFinished(() => admin.close());

    const cwd = await workspace();
    await writeFile(join(cwd, 'victim'), 'x');
    const terminal = await agent.spawnTerminal('agent-1', { cwd });
    expect((await terminal.execute('echo allowed')).stdout).toBe('allowed\n');
    const denied = await failure(terminal.execute('rm -f victim'));
    expect(denied.code).toBe(ErrorCode.PolicyDenied);
    expect(denied.data).toMatchObject({ rule: 'connection:deniedCommands[0]: rm' });
    expect(existsSync(join(cwd, 'victim'))).toBe(true);

    // The same orchestrator, the same terminal: the admin token has no policy of its own.
    const result = await admin.handle(terminal.info()).execute('rm -f victim');
    expect(result.exitCode).toBe(0);
    expect(existsSync(join(cwd, 'victim'))).toBe(false);

    await agent.close();
    await admin.close();
    await server.stop();
    await orch.shutdown();
    expect((await verifyAuditLog(audit)).ok).toBe(true);
    const decisions = entries(audit).filter((e) => e.kind === 'decision' && e.command === 'rm -f victim');
    expect(decisions.map((e) => e.kind === 'decision' && [e.decision, e.principal, e.rule])).toEqual([
      ['deny', 'agent:bot', 'connection:deniedCommands[0]: rm'],
      ['allow', 'admin', undefined],
    ]);
  });

  it('is checked on top of the orchestrator policy: both denials apply', async () => {
    const orch = testOrchestrator({ securityPolicy: { deniedCommands: ['touch'] } });
    const server = new WebSocketServer({ orchestrator: orch, auth: auth({ deniedCommands: ['rm'] }) });
    const { url } = await server.start();
    onTestFinished(() => server.stop());
    const agent = await connectWebSocket(url, { token: AGENT, reconnect: false });
    onTestFinished(() => agent.close());
    const terminal = await agent.spawnTerminal('agent-2', { cwd: await workspace() });
    const own = await failure(terminal.execute('touch a'));
    expect(own.data).toMatchObject({ rule: 'deniedCommands[0]: touch' });
    const theirs = await failure(terminal.execute('rm -f a'));
    expect(theirs.data).toMatchObject({ rule: 'connection:deniedCommands[0]: rm' });
    const batch = await agent.batchExecute([
      { terminalId: terminal.id, command: 'echo one' },
      { terminalId: terminal.id, command: 'rm -f b' },
    ]);
    expect(batch.map((r) => r.ok)).toEqual([true, false]);
    const tx = await agent.transaction();
    const refused = await failure(
      tx.commit([
        { terminalId: terminal.id, command: 'echo two' },
        { terminalId: terminal.id, command: 'rm -f c' },
      ]),
    );
    expect(refused.code).toBe(ErrorCode.PolicyDenied);
  });
});

describe('a token policy over HTTP', () => {
  it('holds a bearer token to its policy', async () => {
    const orch = testOrchestrator();
    const server = new HttpServer({ orchestrator: orch, auth: auth({ deniedCommands: ['rm'] }) });
    const { url } = await server.start();
    onTestFinished(() => server.stop());
    const post = async (path: string, token: string, body: unknown) => {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    };
    const spawned = await post('/v1/terminals', AGENT, {
      agentId: 'agent-h',
      config: { cwd: await workspace() },
    });
    expect(spawned.status).toBeLessThan(300);
    const id = spawned.json.id as string;
    const denied = await post(`/v1/terminals/${id}/execute`, AGENT, { command: 'rm -f x' });
    expect(denied.status).toBe(403);
    expect(JSON.stringify(denied.json)).toContain('connection:deniedCommands[0]: rm');
    const allowed = await post(`/v1/terminals/${id}/execute`, ADMIN, { command: 'rm -f x' });
    expect(allowed.status).toBe(200);
    expect(allowed.json.exitCode).toBe(0);
  });
});

describe('the aiSafe preset on a Unix socket token', () => {
  it('runs allowed commands sandboxed, denies others and refuses raw input', async () => {
    const orch = testOrchestrator();
    const path = join(dir, 'policy.sock');
    const server = new UnixSocketServer({ orchestrator: orch, path, auth: auth('aiSafe') });
    await server.start();
    onTestFinished(() => server.stop());
    const agent = await OrchflowClient.unixSocket(path, { token: AGENT });
    onTestFinished(() => agent.close());
    const admin = await OrchflowClient.unixSocket(path, { token: ADMIN });
    onTestFinished(() => admin.close());

    const terminal = await agent.spawnTerminal('agent-s', { cwd: await workspace() });
    expect((await terminal.execute('ls')).exitCode).toBe(0);
    // The preset's sandbox has a network namespace of its own: only an unused loopback.
    const net = (await terminal.execute('cat /proc/net/dev')).stdout;
    const interfaces = net.split('\n').filter((line) => line.includes(':'));
    expect(interfaces.map((line) => line.split(':')[0]?.trim())).toEqual(['lo']);
    expect(interfaces[0]?.split(':')[1]?.trim().split(/\s+/)[0]).toBe('0');
    const denied = await failure(terminal.execute('touch made-here'));
    expect(denied.code).toBe(ErrorCode.PolicyDenied);
    expect((denied.data as { rule: string }).rule).toMatch(/^connection:/);
    const write = await failure(terminal.write('touch made-here\r'));
    expect(write.code).toBe(ErrorCode.Forbidden);
    expect(write.data).toMatchObject({ rule: 'connection:capabilities.canWriteRawInput' });
    // The admin token may type into the same terminal: the orchestrator itself has no policy.
    await admin.handle(terminal.info()).write('true\r');
    // A spawn config the preset's spawn guard refuses.
    const spawn = await failure(agent.spawnTerminal('agent-t', { cwd: await workspace(), shell: 'python3' }));
    expect(spawn.code).toBe(ErrorCode.PolicyDenied);
    expect(spawn.data).toMatchObject({ rule: 'connection:spawn-shell' });
  });
});

describe('tokens file with a policy', () => {
  it('loads presets and policy objects', async () => {
    const file = join(dir, 'good.json');
    await writeFile(
      file,
      JSON.stringify({
        tokens: [
          { token: ADMIN, principal: { kind: 'admin' }, policy: 'standard' },
          { token: AGENT, principal: { kind: 'agent', agentIds: ['a'] }, policy: { deniedCommands: ['rm'] } },
        ],
      }),
    );
    const tokens = await TokenAuthenticator.fromFile(file);
    expect(tokens.lookup(AGENT)).toEqual({ kind: 'agent', agentIds: ['a'] });
    expect(ConnectionPolicy.of(tokens.lookup(AGENT))?.policy.deniedCommands).toEqual(['rm']);
    expect(ConnectionPolicy.of(tokens.lookup(ADMIN))?.policy.isolationLevel).toBe('process');
  });

  it('fails to load a bad policy, naming the entry and field but not the token', async () => {
    const file = join(dir, 'bad-policy.json');
    const secret = 'do-not-echo-this-secret-token';
    await writeFile(
      file,
      JSON.stringify({
        tokens: [
          { token: ADMIN, principal: { kind: 'admin' } },
          {
            token: secret,
            principal: { kind: 'agent', name: 'x' },
            policy: { resourceLimits: { maxMemoryMb: -1 } },
          },
        ],
      }),
    );
    const error = await failure(TokenAuthenticator.fromFile(file));
    expect(error.code).toBe(ErrorCode.InvalidParams);
    expect(error.message).toMatch(/tokens\.1\.policy: resourceLimits\.maxMemoryMb/);
    expect(error.message).not.toContain(secret);
    expect(JSON.stringify(error.data ?? null)).not.toContain(secret);

    await writeFile(
      file,
      JSON.stringify({ tokens: [{ token: secret, principal: { kind: 'admin' }, policy: 'aiSfae' }] }),
    );
    const unknown = await failure(TokenAuthenticator.fromFile(file));
    expect(unknown.message).toMatch(/tokens\.0\.policy: unknown preset 'aiSfae'; use one of .*aiSafe/);
    expect(unknown.message).not.toContain(secret);
  });

  it('refuses a misspelt policy key or a policy inside the principal instead of dropping it', async () => {
    const misspelt = {
      tokens: [{ token: AGENT, principal: { kind: 'agent', name: 'x' }, polciy: 'locked' }],
    };
    expect(() => new TokenAuthenticator(misspelt as never)).toThrow(/polciy/);
    const nested = { tokens: [{ token: AGENT, principal: { kind: 'agent', name: 'x', policy: 'locked' } }] };
    expect(() => new TokenAuthenticator(nested as never)).toThrow(/tokens\.0\.principal.*policy/);
  });

  it('keeps a policy bound to the principal it is given, and refuses a second one', () => {
    const policy = new ConnectionPolicy({ deniedCommands: ['rm'] });
    const principal = policy.bind({ kind: 'agent', name: 'x' });
    expect(ConnectionPolicy.of(TokenAuthenticator.single(AGENT, principal).lookup(AGENT))).toBe(policy);
    expect(() => new TokenAuthenticator({ tokens: [{ token: AGENT, principal, policy: 'locked' }] })).toThrow(
      /two security policies/,
    );
  });
});

describe('orchflow serve --tokens', () => {
  it('refuses to start on a bad token policy without printing the token', async () => {
    const file = join(dir, 'cli-bad.json');
    const secret = 'cli-secret-token-never-printed';
    await writeFile(
      file,
      JSON.stringify({
        tokens: [{ token: secret, principal: { kind: 'admin' }, policy: { isolationLevel: 'vm' } }],
      }),
    );
    const run = await runCli(['serve', '--unix', join(dir, 'never.sock'), '--tokens', file]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/tokens\.0\.policy: isolationLevel/);
    expect(run.stderr + run.stdout).not.toContain(secret);
  });

  it('enforces a token policy from the tokens file', async () => {
    const file = join(dir, 'cli-good.json');
    await writeFile(
      file,
      JSON.stringify({
        tokens: [
          { token: ADMIN, principal: { kind: 'admin' } },
          {
            token: AGENT,
            principal: { kind: 'agent', name: 'bot', agentIdPrefix: 'agent-' },
            policy: { deniedCommands: ['rm'] },
          },
        ],
      }),
    );
    const socket = join(dir, 'cli-policy.sock');
    const server = spawnCli(['serve', '--unix', socket, '--tokens', file]);
    const exited = new Promise<number | null>((resolve) => server.once('close', (code) => resolve(code)));
    onTestFinished(() => {
      if (server.exitCode === null) server.kill('SIGKILL');
    });
    await waitForStderr(server, 'unix socket');
    const agent = await OrchflowClient.unixSocket(socket, { token: AGENT });
    const terminal = await agent.spawnTerminal('agent-cli', { cwd: await workspace() });
    const denied = await failure(terminal.execute('rm -f nothing'));
    expect(denied.data).toMatchObject({ rule: 'connection:deniedCommands[0]: rm' });
    // The agent stays connected: a Unix socket client's terminals end with its connection.
    const admin = await OrchflowClient.unixSocket(socket, { token: ADMIN });
    expect((await admin.handle(terminal.info()).execute('rm -f nothing')).exitCode).toBe(0);
    await admin.close();
    await agent.close();
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
