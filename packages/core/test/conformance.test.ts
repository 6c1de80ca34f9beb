// The core behaviour every way of driving an orchestrator must share: run in the in-process API
// and through `OrchflowClient.direct` with the same test bodies (see conformance-harness.ts).
import { ErrorCode } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { OrchestratorOptions } from '../src/options';
import { Orchestrator } from '../src/orchestrator';
import { TARGETS, type Target, type TargetFactory } from './conformance-harness';
import { expectCode, rejection } from './helpers';

async function setup(factory: TargetFactory, options: OrchestratorOptions = {}): Promise<Target> {
  const orch = new Orchestrator(options);
  const target = await factory.make(orch);
  onTestFinished(async () => {
    await target.close();
    await orch.shutdown();
  });
  return target;
}

describe.each(TARGETS)('conformance: terminals ($name)', (factory) => {
  it("spawnTerminal('test') then execute('echo hello') gives stdout 'hello\\n'", async () => {
    const target = await setup(factory);
    const terminal = await target.spawn('test');
    const result = await terminal.execute('echo hello');
    expect(result.stdout).toBe('hello\n');
    expect(result.exitCode).toBe(0);
    expect(result.timedOut).toBe(false);
  });

  it('keeps shell state between commands and reports exit codes', async () => {
    const target = await setup(factory);
    const terminal = await target.spawn('test');
    await terminal.execute('cd /tmp && export ORCH_X=42');
    const result = await terminal.execute('echo "$PWD $ORCH_X"; false');
    expect(result.stdout).toBe('/tmp 42\n');
    expect(result.exitCode).toBe(1);
    expect(result.cwd).toBe('/tmp');
  });

  it('streams output while a command runs', async () => {
    const target = await setup(factory);
    const terminal = await target.spawn('test');
    let streamed = '';
    const result = await terminal.execute('printf "a-%s\\n" 1 2 3', {
      onOutput: (c) => (streamed += c.data),
    });
    expect(result.stdout).toBe('a-1\na-2\na-3\n');
    expect(streamed).toContain('a-3');
  });

  it('writes input, resizes, snapshots and reads scrollback by offset', async () => {
    const target = await setup(factory);
    const terminal = await target.spawn('test', { cols: 80, rows: 24 });
    await terminal.resize(100, 30);
    const size = await terminal.execute('stty size');
    expect(size.stdout).toBe('30 100\n');
    await terminal.write('echo typed-$((6*7))\r');
    const deadline = Date.now() + 15_000;
    let lines: string[] = [];
    while (!lines.some((line) => line.startsWith('typed-42')) && Date.now() < deadline) {
      lines = (await terminal.snapshot()).lines;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(lines.some((line) => line.startsWith('typed-42'))).toBe(true);
    const page = await terminal.read({ fromOffset: 0 });
    expect(page.offset).toBe(0);
    expect(page.data).toContain('typed-42');
    expect(page.nextOffset).toBe(page.endOffset);
  });

  it('kills a terminal; it is gone from the list and further commands fail', async () => {
    const target = await setup(factory);
    const terminal = await target.spawn('test');
    const exit = await terminal.kill();
    expect(exit.exitCode !== null || exit.signal !== null).toBe(true);
    expect((await target.list()).map((t) => t.id)).not.toContain(terminal.id);
    expectCode(await rejection(terminal.execute('echo no')), ErrorCode.TerminalNotFound);
  });

  it('cancels a running command through its AbortSignal and keeps the shell usable', async () => {
    const target = await setup(factory);
    const terminal = await target.spawn('test');
    const controller = new AbortController();
    const running = terminal.execute('echo started; sleep 30', {
      signal: controller.signal,
      onOutput: (chunk) => {
        if (chunk.data.includes('started')) controller.abort();
      },
    });
    expectCode(await rejection(running), ErrorCode.Cancelled);
    const after = await terminal.execute('echo still-here');
    expect(after.stdout).toBe('still-here\n');
  });
});

describe.each(TARGETS)('conformance: isolation, quotas and plugins ($name)', (factory) => {
  it('lists terminals per agent', async () => {
    const target = await setup(factory);
    const a = await target.spawn('agent-a');
    const b = await target.spawn('agent-b');
    expect((await target.list({ agentId: 'agent-a' })).map((t) => t.id)).toEqual([a.id]);
    expect((await target.list({ agentId: 'agent-b' })).map((t) => t.id)).toEqual([b.id]);
    expect((await target.list()).map((t) => t.id).sort()).toEqual([a.id, b.id].sort());
  });

  it('enforces the total and per-agent terminal quotas with QuotaExceeded', async () => {
    const target = await setup(factory, { maxTerminals: 2, maxTerminalsPerAgent: 1 });
    await target.spawn('agent-a');
    const perAgent = expectCode(await rejection(target.spawn('agent-a')), ErrorCode.QuotaExceeded);
    expect(perAgent.data).toMatchObject({ limit: 'maxTerminalsPerAgent' });
    await target.spawn('agent-b');
    const total = expectCode(await rejection(target.spawn('agent-c')), ErrorCode.QuotaExceeded);
    expect(total.data).toMatchObject({ limit: 'maxTerminals' });
  });

  it('lets a plugin block a command with PolicyDenied, and runs the others', async () => {
    const target = await setup(factory, {
      plugins: [
        {
          metadata: { name: 'no-rm', version: '1.0.0' },
          onCommandExecute: ({ command }) =>
            command.includes('rm ') ? { allow: false, reason: 'rm is not allowed' } : true,
        },
      ],
    });
    const terminal = await target.spawn('test');
    const denied = expectCode(
      await rejection(terminal.execute('rm -rf /tmp/nothing')),
      ErrorCode.PolicyDenied,
    );
    expect(denied.message).toContain('rm is not allowed');
    expect((await terminal.execute('echo allowed')).stdout).toBe('allowed\n');
  });

  it('fails closed when a plugin throws', async () => {
    const target = await setup(factory, {
      plugins: [
        {
          metadata: { name: 'broken', version: '1.0.0' },
          onCommandExecute: () => {
            throw new Error('plugin bug');
          },
        },
      ],
    });
    const terminal = await target.spawn('test');
    expectCode(await rejection(terminal.execute('echo never')), ErrorCode.PolicyDenied);
  });
});
