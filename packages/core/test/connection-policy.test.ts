// A connection's own security policy through serveChannel on a DirectChannel pair: commands must
// pass it and the orchestrator's policy (each denial names its rule and is audited), its spawn
// guard, quota, isolation limits and raw-input rule hold the terminals it spawns, its timeout caps
// commands, and the stricter isolation of two policies is merged setting by setting.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrchflowClient } from '@orchflow/client';
import { DirectChannel, ErrorCode, type Principal } from '@orchflow/protocol';
import type { AuditEntry, IsolationSpec } from '@orchflow/security';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ConnectionPolicy } from '../src/connection-policy';
import { strictestSpec } from '../src/isolation-merge';
import { Orchestrator } from '../src/orchestrator';
import { type ServeChannelOptions, serveChannel } from '../src/rpc/serve-channel';
import { expectCode, rejection } from './helpers';

const AGENT: Principal = { kind: 'agent', name: 'bot', agentIdPrefix: 'bot-' };

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'orchflow-conn-policy-'));
}

function orchestrator(options: ConstructorParameters<typeof Orchestrator>[0] = {}): Orchestrator {
  const orch = new Orchestrator(options);
  onTestFinished(() => orch.shutdown());
  return orch;
}

/** A client on a DirectChannel pair served with `options`, and the served end. */
async function served(orch: Orchestrator, options: ServeChannelOptions) {
  const [clientEnd, serverEnd] = DirectChannel.pair();
  const serving = serveChannel(orch, serverEnd, options);
  const client = await OrchflowClient.fromChannel(clientEnd);
  onTestFinished(() => client.close());
  return { client, serving };
}

describe('serveChannel with a connection policy', () => {
  it('admits a command only when both policies allow it, and audits either denial', async () => {
    const audit = join(dir(), 'audit.jsonl');
    const orch = orchestrator({ securityPolicy: { deniedCommands: ['touch'] }, auditLog: audit });
    const policy = new ConnectionPolicy({ deniedCommands: ['rm'] });
    const { client, serving } = await served(orch, { principal: AGENT, policy });
    expect(serving.policy).toBe(policy);
    expect(ConnectionPolicy.of(serving.principal)).toBe(policy);

    const term = await client.spawnTerminal('bot-1', { cwd: dir() });
    expect((await term.execute('echo ok')).stdout).toBe('ok\n');
    const theirs = expectCode(await rejection(term.execute('rm -f x')), ErrorCode.PolicyDenied);
    expect(theirs.data).toMatchObject({ rule: 'connection:deniedCommands[0]: rm' });
    const own = expectCode(await rejection(term.execute('touch x')), ErrorCode.PolicyDenied);
    expect(own.data).toMatchObject({ rule: 'deniedCommands[0]: touch' });
    const tx = await client.transaction();
    expectCode(
      await rejection(tx.commit([{ terminalId: term.id, command: 'cd /tmp && rm -f y' }])),
      ErrorCode.PolicyDenied,
    );

    // Another connection to the same orchestrator without a policy of its own.
    const admin = await OrchflowClient.direct(orch);
    onTestFinished(() => admin.close());
    expect((await admin.handle(term.info()).execute('rm -f x')).exitCode).toBe(0);

    await client.close();
    await admin.close();
    await orch.shutdown();
    const decisions = readFileSync(audit, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditEntry)
      .filter((e) => e.kind === 'decision' && e.decision === 'deny');
    expect(decisions.map((e) => e.kind === 'decision' && [e.principal, e.rule])).toEqual([
      ['agent:bot', 'connection:deniedCommands[0]: rm'],
      ['agent:bot', 'deniedCommands[0]: touch'],
      ['agent:bot', 'connection:deniedCommands[0]: rm'],
    ]);
  });

  it('holds spawns to its guard, quota and resource limits, and refuses raw input', async () => {
    const orch = orchestrator();
    const policy = new ConnectionPolicy({
      maxTerminalsPerAgent: 1,
      isolationLevel: 'process',
      resourceLimits: { maxOpenFiles: 77 },
      capabilities: { canWriteRawInput: false },
    });
    const { client } = await served(orch, { principal: AGENT, policy });

    const env = expectCode(
      await rejection(client.spawnTerminal('bot-env', { cwd: dir(), env: { BASH_ENV: '/tmp/x' } })),
      ErrorCode.PolicyDenied,
    );
    expect(env.data).toMatchObject({ rule: 'connection:spawn-env:BASH_ENV' });
    const term = await client.spawnTerminal('bot-1', { cwd: dir() });
    expect((await term.execute('ulimit -n')).stdout).toBe('77\n');
    expectCode(await rejection(client.spawnTerminal('bot-1', { cwd: dir() })), ErrorCode.QuotaExceeded);
    const write = expectCode(await rejection(term.write('echo typed\r')), ErrorCode.Forbidden);
    expect(write.data).toMatchObject({ rule: 'connection:capabilities.canWriteRawInput' });

    // In process, without the connection's principal, neither the limit nor the refusal applies.
    const free = await orch.spawnTerminal('bot-2', { cwd: dir() });
    expect((await free.execute('ulimit -n')).stdout).not.toBe('77\n');
    orch.write(free.id, 'true\r');
  });

  it('caps the execution timeout by the smaller of both policies', async () => {
    const orch = orchestrator({ securityPolicy: { resourceLimits: { executionTimeoutMs: 60_000 } } });
    const policy = new ConnectionPolicy({ resourceLimits: { executionTimeoutMs: 500 } });
    const { client } = await served(orch, { principal: AGENT, policy });
    const term = await client.spawnTerminal('bot-t', { cwd: dir() });
    const result = await term.execute('sleep 30', { timeoutMs: 120_000 });
    expect(result.timedOut).toBe(true);
    expect((await term.execute('echo alive')).stdout).toBe('alive\n');
  });

  it('picks up a policy the authenticated principal carries, and refuses two different ones', async () => {
    const orch = orchestrator();
    const carried = new ConnectionPolicy({ deniedCommands: ['rm'] });
    const principal = carried.bind(AGENT);
    const { client } = await served(orch, { authenticate: () => principal });
    expect(client.principal).toEqual(AGENT);
    const term = await client.spawnTerminal('bot-a', { cwd: dir() });
    expectCode(await rejection(term.execute('rm -f x')), ErrorCode.PolicyDenied);

    const other = new ConnectionPolicy({ deniedCommands: ['ls'] });
    const [clientEnd, serverEnd] = DirectChannel.pair();
    serveChannel(orch, serverEnd, { authenticate: () => principal, policy: other });
    const refused = expectCode(
      await rejection(OrchflowClient.fromChannel(clientEnd)),
      ErrorCode.InvalidParams,
    );
    expect(refused.message).toMatch(/two security policies/);
  });

  it('rejects an invalid policy naming the field', () => {
    expect(() => new ConnectionPolicy({ isolationLevel: 'vm' as never })).toThrow(/isolationLevel/);
  });
});

describe('strictestSpec', () => {
  const base: IsolationSpec = {
    level: 'process',
    limits: { maxOpenFiles: 100, maxMemoryMb: 512 },
    network: true,
    workspace: '/w',
    forbiddenPaths: ['/a'],
    keepEnv: ['FOO', 'BAR'],
  };

  it('takes the stronger level, the lower limits, no network if either denies it, and both path lists', () => {
    const merged = strictestSpec(base, {
      ...base,
      level: 'sandbox',
      limits: { maxOpenFiles: 50, maxProcesses: 10 },
      network: false,
      forbiddenPaths: ['/b', '/a'],
      keepEnv: ['FOO'],
    });
    expect(merged).toEqual({
      level: 'sandbox',
      limits: { maxOpenFiles: 50, maxMemoryMb: 512, maxProcesses: 10 },
      network: false,
      workspace: '/w',
      forbiddenPaths: ['/a', '/b'],
      keepEnv: ['FOO'],
    });
    expect(strictestSpec({ ...base, level: 'container' }, base).level).toBe('container');
  });
});
