// OpenTelemetry traces with the SDK registered (in-memory exporter, AsyncLocalStorage context):
// one `orchflow.execute` span per command with the process attributes and its policy-check and
// audit-write children; denials and timeouts as errors; the command line only where the policy
// allows; one SERVER span per JSON-RPC request whose parent is the `_meta.traceparent` a client
// sent over a real socket; and the execute span's context in the command's TRACEPARENT.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, connect as socketConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { OrchflowClient } from '@orchflow/client';
import { ErrorCode, Methods, PROTOCOL_VERSION, RpcPeer } from '@orchflow/protocol';
import { StreamChannel } from '@orchflow/protocol/node';
import type { SecurityPolicyInput } from '@orchflow/security';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import type { RpcRequestEvent } from '../src/events';
import { Orchestrator } from '../src/orchestrator';
import { serveChannel } from '../src/rpc/serve-channel';
import { expectCode, rejection } from './helpers';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();
let dir: string;

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(provider);
  dir = mkdtempSync(join(tmpdir(), 'orchflow-tracing-'));
});

afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => exporter.reset());

function orchestrator(securityPolicy?: SecurityPolicyInput): Orchestrator {
  const auditLog = join(mkdtempSync(join(dir, 'audit-')), 'audit.jsonl');
  const orch = new Orchestrator({ auditLog, ...(securityPolicy ? { securityPolicy } : {}) });
  onTestFinished(() => orch.shutdown());
  return orch;
}

const spans = (name: string): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.name === name);
const only = (name: string): ReadableSpan => {
  const found = spans(name);
  expect(found.map((s) => s.name)).toEqual([name]);
  return found[0] as ReadableSpan;
};
const childrenOf = (parent: ReadableSpan): ReadableSpan[] =>
  exporter.getFinishedSpans().filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);
const traceparentOf = (span: ReadableSpan): string =>
  `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`;

describe('orchflow.execute in process', () => {
  it('is a child of the active span and carries the exit code, process and orchflow attributes', async () => {
    const orch = orchestrator();
    const term = await orch.spawnTerminal('agent-1', { shell: 'bash', cwd: dir });
    const tracer = trace.getTracer('test');
    const result = await tracer.startActiveSpan('caller', async (caller) => {
      try {
        return await orch.execute(term.id, 'echo hi; (exit 3)');
      } finally {
        caller.end();
      }
    });
    expect(result.exitCode).toBe(3);
    const caller = only('caller');
    const execute = only('orchflow.execute');
    expect(execute.kind).toBe(SpanKind.INTERNAL);
    expect(execute.parentSpanContext?.spanId).toBe(caller.spanContext().spanId);
    expect(execute.spanContext().traceId).toBe(caller.spanContext().traceId);
    expect(execute.instrumentationScope.name).toBe('@orchflow/core');
    expect(execute.attributes).toMatchObject({
      'process.exit.code': 3,
      'process.pid': term.info().pid,
      'process.working_directory': dir,
      'process.command_line': 'echo hi; (exit 3)',
      'orchflow.terminal.id': term.id,
      'orchflow.agent.id': 'agent-1',
      'orchflow.policy.decision': 'allowed',
    });
    expect(execute.status).toEqual({ code: SpanStatusCode.ERROR, message: 'Command exited with code 3' });
    // Children: the policy check, and the audit log's decision and end entries, in that order.
    const children = childrenOf(execute).sort(
      (a, b) => a.startTime[1] - b.startTime[1] + (a.startTime[0] - b.startTime[0]) * 1e9,
    );
    expect(
      children.map((s) => [
        s.name,
        s.attributes['orchflow.audit.kind'] ?? s.attributes['orchflow.policy.decision'],
      ]),
    ).toEqual([
      ['orchflow.policy.check', 'allowed'],
      ['orchflow.audit.write', 'decision'],
      ['orchflow.audit.write', 'end'],
    ]);
  });

  it('a command that exits 0 leaves the status unset', async () => {
    const orch = orchestrator();
    const term = await orch.spawnTerminal('agent-1', { shell: 'bash' });
    await orch.execute(term.id, 'true');
    const execute = only('orchflow.execute');
    expect(execute.status.code).toBe(SpanStatusCode.UNSET);
    expect(execute.attributes['process.exit.code']).toBe(0);
    expect(execute.parentSpanContext).toBeUndefined();
  });

  it('gives the command TRACEPARENT of its own span, in a persistent shell and in scripted mode', async () => {
    const orch = orchestrator();
    for (const mode of ['interactive', 'scripted'] as const) {
      exporter.reset();
      const term = await orch.spawnTerminal('agent-1', { shell: 'bash', mode });
      const seen = await orch.execute(term.id, 'printenv TRACEPARENT');
      expect(seen.stdout.trim()).toBe(traceparentOf(only('orchflow.execute')));
    }
  });

  it('a timeout is an error with timed_out set', async () => {
    const orch = orchestrator();
    const term = await orch.spawnTerminal('agent-1', { shell: 'bash' });
    const result = await orch.execute(term.id, 'sleep 30', { timeoutMs: 300 });
    expect(result.timedOut).toBe(true);
    const execute = only('orchflow.execute');
    expect(execute.attributes['orchflow.command.timed_out']).toBe(true);
    expect(execute.status.code).toBe(SpanStatusCode.ERROR);
    expect(execute.status.message).toMatch(/^Command timed out after \d+ ms$/);
  });

  it('a failure without a result (unknown terminal) ends the span with the error', async () => {
    const orch = orchestrator();
    expectCode(await rejection(orch.execute('no-such-terminal', 'true')), ErrorCode.TerminalNotFound);
    const execute = only('orchflow.execute');
    expect(execute.status.code).toBe(SpanStatusCode.ERROR);
    expect(execute.attributes['orchflow.error.code']).toBe(ErrorCode.TerminalNotFound);
  });
});

describe('orchflow.execute under a security policy', () => {
  it('a denial is an error, denied, without the command line or its text in messages', async () => {
    const orch = orchestrator({ deniedCommands: ['rm'] });
    const term = await orch.spawnTerminal('agent-1', { shell: 'bash' });
    expectCode(await rejection(orch.execute(term.id, 'rm -rf secret-dir')), ErrorCode.PolicyDenied);
    const execute = only('orchflow.execute');
    expect(execute.attributes['orchflow.policy.decision']).toBe('denied');
    expect(execute.attributes['orchflow.policy.rule']).toBeTypeOf('string');
    expect(execute.attributes['process.command_line']).toBeUndefined();
    expect(execute.status.code).toBe(SpanStatusCode.ERROR);
    expect(JSON.stringify([execute.status, execute.events])).not.toContain('secret-dir');
    const check = only('orchflow.policy.check');
    expect(check.parentSpanContext?.spanId).toBe(execute.spanContext().spanId);
    expect(check.attributes['orchflow.policy.decision']).toBe('denied');
    // The denial is still audited, inside the command's span.
    expect(childrenOf(execute).map((s) => s.name)).toContain('orchflow.audit.write');
  });

  it('carries the command line when the policy says tracing.commandLine: true', async () => {
    const orch = orchestrator({ deniedCommands: ['rm'], tracing: { commandLine: true } });
    const term = await orch.spawnTerminal('agent-1', { shell: 'bash' });
    await orch.execute(term.id, 'echo visible');
    expect(only('orchflow.execute').attributes['process.command_line']).toBe('echo visible');
  });

  it('carries the command line with the policy secrets in it redacted', async () => {
    const secret = 'sk-live-4f9a8b7c6d5e';
    const orch = orchestrator({
      tracing: { commandLine: true },
      secrets: [{ name: 'api-key', value: secret }],
    });
    const term = await orch.spawnTerminal('agent-1', { shell: 'bash' });
    await orch.execute(term.id, `echo ${secret} > /dev/null`);
    expect(only('orchflow.execute').attributes['process.command_line']).toBe(
      'echo [REDACTED:api-key] > /dev/null',
    );
  });

  it('refuses a tracing setting that is not a boolean', () => {
    expect(() => new Orchestrator({ securityPolicy: { tracing: { commandLine: 'yes' } } as never })).toThrow(
      /tracing\.commandLine/,
    );
  });
});

describe('JSON-RPC spans and trace context over a socket', () => {
  /** A channel to `orch` served on a real Unix socket. */
  async function socketChannel(orch: Orchestrator): Promise<StreamChannel> {
    const path = join(mkdtempSync(join(dir, 'sock-')), 's');
    const server: Server = createServer((socket) => {
      serveChannel(orch, new StreamChannel(socket), { transports: ['unix'] });
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const socket = socketConnect(path);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new StreamChannel(socket);
  }

  async function servedPeer(orch: Orchestrator): Promise<RpcPeer<typeof Methods>> {
    const peer = new RpcPeer(await socketChannel(orch), { methods: Methods }).start();
    onTestFinished(() => peer.close());
    await peer.request('initialize', { protocolVersion: PROTOCOL_VERSION, clientInfo: { name: 'test' } });
    return peer;
  }

  it("the request's _meta.traceparent parents the RPC span, which parents the execute span and TRACEPARENT", async () => {
    const orch = orchestrator();
    const events: RpcRequestEvent[] = [];
    orch.on('rpc.request', (event) => events.push(event));
    const client = await OrchflowClient.fromChannel(await socketChannel(orch));
    onTestFinished(() => client.close());
    const terminal = await client.spawnTerminal('agent-1', { shell: 'bash' });
    exporter.reset();
    const caller = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
    const result = await terminal.execute('printenv TRACEPARENT; printenv TRACESTATE', {
      meta: { traceparent: `00-${caller.traceId}-${caller.spanId}-01`, tracestate: 'vendor=abc' },
    });
    const rpc = only('terminal.execute');
    expect(rpc.kind).toBe(SpanKind.SERVER);
    expect(rpc.spanContext().traceId).toBe(caller.traceId);
    expect(rpc.parentSpanContext).toMatchObject({ spanId: caller.spanId, isRemote: true });
    expect(rpc.attributes).toMatchObject({
      'rpc.system': 'jsonrpc',
      'rpc.method': 'terminal.execute',
      'orchflow.rpc.transport': 'unix',
    });
    const execute = only('orchflow.execute');
    expect(execute.parentSpanContext?.spanId).toBe(rpc.spanContext().spanId);
    expect(execute.spanContext().traceId).toBe(caller.traceId);
    expect(result.stdout).toBe(`${traceparentOf(execute)}\nvendor=abc\n`);
    expect(events.filter((e) => e.method === 'terminal.execute')).toEqual([
      { method: 'terminal.execute', transport: 'unix', durationMs: expect.any(Number), ok: true },
    ]);
  });

  it('a request without trace context starts its own trace; an error answer sets the error code', async () => {
    const orch = orchestrator();
    const events: RpcRequestEvent[] = [];
    orch.on('rpc.request', (event) => events.push(event));
    const peer = await servedPeer(orch);
    exporter.reset();
    expectCode(
      await rejection(peer.request('terminal.kill', { terminalId: 'nope' })),
      ErrorCode.TerminalNotFound,
    );
    const rpc = only('terminal.kill');
    expect(rpc.parentSpanContext).toBeUndefined();
    expect(rpc.attributes['rpc.jsonrpc.error_code']).toBe(ErrorCode.TerminalNotFound);
    expect(rpc.status.code).toBe(SpanStatusCode.ERROR);
    expect(events).toEqual([
      {
        method: 'terminal.kill',
        transport: 'unix',
        durationMs: expect.any(Number),
        ok: false,
        errorCode: ErrorCode.TerminalNotFound,
      },
    ]);
  });

  it('a malformed traceparent is ignored (no parent), as W3C requires', async () => {
    const orch = orchestrator();
    const peer = await servedPeer(orch);
    exporter.reset();
    const traceparent = '00-00000000000000000000000000000000-00f067aa0ba902b7-01';
    await peer.request('terminal.list', {}, { meta: { traceparent } });
    expect(only('terminal.list').parentSpanContext).toBeUndefined();
  });
});
