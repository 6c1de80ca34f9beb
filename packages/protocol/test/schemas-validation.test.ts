// Invalid input is rejected with a zod issue whose path names the offending field. Unknown fields
// from newer peers are accepted (and dropped) in read-only params, results and notifications; the
// params of methods that act on terminals refuse them, naming the key (docs/protocol.md).
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { ErrorCode } from '../src/errors';
import { schemaError } from '../src/rpc/wire';
import { ProtocolLimits } from '../src/schemas/common';
import { type MethodName, Methods, type NotificationName, Notifications } from '../src/schemas/method-map';

function issuePaths(schema: z.ZodType, value: unknown): string[] {
  const parsed = schema.safeParse(value);
  expect(parsed.success, `expected ${JSON.stringify(value)?.slice(0, 200)} to be rejected`).toBe(false);
  return (parsed.error?.issues ?? []).map((issue) => issue.path.join('.'));
}

/** Invalid values, each with the issue path that must name the offending field. */
type Cases = [value: unknown, path: string][];

const exec = { terminalId: 't-1', command: 'ls' };
const capabilities = { transports: [], executionModes: [], backends: [], isolationLevels: [], features: [] };
const server = { protocolVersion: '1.0.0', serverInfo: { name: 's', version: '1' } };

const invalidParams: { [M in MethodName]?: Cases } = {
  initialize: [
    [{ clientInfo: { name: 'c' } }, 'protocolVersion'],
    [{ protocolVersion: 'v1', clientInfo: { name: 'c' } }, 'protocolVersion'],
    [{ protocolVersion: '1.0.0', clientInfo: { name: '' } }, 'clientInfo.name'],
    [{ protocolVersion: '1.0.0', clientInfo: { name: 'c' }, token: 42 }, 'token'],
  ],
  'terminal.spawn': [
    [{ config: {} }, 'agentId'],
    [{ agentId: '' }, 'agentId'],
    [{ agentId: 'a\nb' }, 'agentId'],
    [{ agentId: 'a'.repeat(ProtocolLimits.maxIdLength + 1) }, 'agentId'],
    [{ agentId: 'a', config: { cols: 1001 } }, 'config.cols'],
    [{ agentId: 'a', config: { mode: 'turbo' } }, 'config.mode'],
  ],
  'terminal.execute': [
    [{ terminalId: 't-1', command: 5 }, 'command'],
    [{ terminalId: 't-1', command: '' }, 'command'],
    [{ terminalId: 't-1', command: 'x'.repeat(1024 * 1024 + 1) }, 'command'],
    [{ ...exec, timeoutMs: 1.5 }, 'timeoutMs'],
    [{ ...exec, timeoutMs: ProtocolLimits.maxTimeoutMs + 1 }, 'timeoutMs'],
    [{ ...exec, idleTimeoutMs: -1 }, 'idleTimeoutMs'],
    [{ ...exec, maxOutputBytes: 0 }, 'maxOutputBytes'],
    [{ ...exec, progress: 'yes' }, 'progress'],
    [{ ...exec, waitForFloor: 1 }, 'waitForFloor'],
  ],
  'terminal.write': [
    [{ terminalId: 't-1', data: [1, 2] }, 'data'],
    [{ terminalId: 't-1', data: 'x', encoding: 'hex' }, 'encoding'],
  ],
  'terminal.resize': [
    [{ terminalId: 't-1', cols: 80, rows: 0 }, 'rows'],
    [{ terminalId: 't-1', cols: 1001, rows: 24 }, 'cols'],
  ],
  'terminal.kill': [
    [{ terminalId: 't-1', signal: 'kill' }, 'signal'],
    [{ terminalId: 7 }, 'terminalId'],
  ],
  'terminal.list': [[{ state: 'zombie' }, 'state']],
  'terminal.snapshot': [[{}, 'terminalId']],
  'terminal.activity': [[{}, 'terminalId']],
  'terminal.floor.take': [
    [{}, 'terminalId'],
    [{ terminalId: 't-1', force: 'yes' }, 'force'],
  ],
  'terminal.floor.release': [[{ terminalId: '' }, 'terminalId']],
  'terminal.history': [
    [{ terminalId: 't-1', limit: 0 }, 'limit'],
    [{ terminalId: 't-1', limit: 1001 }, 'limit'],
  ],
  'terminal.read': [
    [{ terminalId: 't-1', fromOffset: -1 }, 'fromOffset'],
    [{ terminalId: 't-1', maxBytes: ProtocolLimits.maxReadBytes + 1 }, 'maxBytes'],
  ],
  'terminal.subscribe': [[{ terminalId: 't-1', fromOffset: 0.5 }, 'fromOffset']],
  'terminal.unsubscribe': [[{}, 'subscriptionId']],
  'terminal.batchExecute': [
    [{ commands: [] }, 'commands'],
    [{ commands: Array.from({ length: ProtocolLimits.maxBatchCommands + 1 }, () => exec) }, 'commands'],
    [{ commands: [exec, { terminalId: 't-1' }] }, 'commands.1.command'],
    [{ commands: [exec], mode: 'random' }, 'mode'],
    [{ commands: [exec], stopOnError: 1 }, 'stopOnError'],
  ],
  'tx.commit': [
    [{ commands: [exec] }, 'txId'],
    [{ txId: 'tx-1' }, 'commands'],
  ],
  'tx.rollback': [[{ txId: '' }, 'txId']],
  'orchestrator.killAll': [[{ agentId: '' }, 'agentId']],
  'orchestrator.metrics': [[{ includeProcesses: 'yes' }, 'includeProcesses']],
};

const invalidResults: { [M in MethodName]?: Cases } = {
  initialize: [
    [
      { ...server, capabilities: { ...capabilities, isolationLevels: ['vm'] }, principal: { kind: 'admin' } },
      'capabilities.isolationLevels.0',
    ],
    [{ ...server, capabilities, principal: { kind: 'root' } }, 'principal.kind'],
    [{ ...server, principal: { kind: 'admin' } }, 'capabilities'],
  ],
  'terminal.execute': [
    [
      { stdout: '', stderr: '', signal: null, durationMs: 1, timedOut: false, truncated: false, cwd: '/' },
      'exitCode',
    ],
  ],
  'terminal.write': [[{ bytesWritten: -1 }, 'bytesWritten']],
  'terminal.list': [[{ terminals: [{ id: 't' }] }, 'terminals.0.agentId']],
  'terminal.floor.take': [
    [{ terminalId: 't-1', holder: { name: '', kind: 'admin', since: 'x' } }, 'holder.name'],
  ],
  'terminal.history': [
    [{ commands: [{ command: 'ls', startedAt: 'x', source: 'robot' }] }, 'commands.0.source'],
    [
      { commands: [{ command: 'ls', startedAt: 'x', source: 'typed', durationMs: -1 }] },
      'commands.0.durationMs',
    ],
  ],
  'terminal.subscribe': [[{ subscriptionId: 'sub-1' }, 'offset']],
  'terminal.batchExecute': [
    [{ results: [{ ok: true, terminalId: 't-1', error: { code: 1, message: 'x' } }] }, 'results.0.result'],
    [
      { results: [{ ok: false, terminalId: 't-1', error: { code: 'E', message: 'x' } }] },
      'results.0.error.code',
    ],
  ],
  'tx.rollback': [[{ txId: 'tx', rolledBack: false }, 'rolledBack']],
  'orchestrator.pauseAll': [[{ paused: 1.5 }, 'paused']],
  'orchestrator.metrics': [
    [
      { terminals: { total: 1, running: -1 }, terminalsByAgent: {}, commandsExecuted: 0, uptimeMs: 0 },
      'terminals.running',
    ],
  ],
  '$/ping': [[{ pong: false, time: 1 }, 'pong']],
};

const invalidNotifications: { [N in NotificationName]?: Cases } = {
  'terminal.output': [[{ terminalId: 't-1', data: 'x' }, 'offset']],
  'terminal.exit': [[{ terminalId: 't-1', exitCode: '0', signal: null }, 'exitCode']],
  'terminal.gap': [[{ terminalId: 't-1', from: 10, to: 10 }, 'to']],
  'terminal.metrics': [[{ terminalId: 't-1', cpuPercent: 0, rssBytes: -1, processCount: 1 }, 'rssBytes']],
  'terminal.activity': [
    [{ terminalId: 't-1', activity: 'asleep' }, 'activity'],
    [{ terminalId: 't-1', activity: 'running', foregroundPid: 0 }, 'foregroundPid'],
  ],
  'terminal.floor': [
    [{ terminalId: 't-1', holder: { name: 'bob', kind: 'viewer', since: 'now' } }, 'holder.kind'],
    [{ terminalId: 't-1' }, 'holder'],
  ],
  'security.alert': [
    [{ severity: 'meh', reason: 'x' }, 'severity'],
    [{ severity: 'info' }, 'reason'],
  ],
  '$/cancelRequest': [[{ id: { n: 1 } }, 'id']],
  '$/progress': [[{ token: 't' }, 'value']],
};

function describeCases(
  kind: string,
  table: Record<string, Cases | undefined>,
  schemaOf: (name: string) => z.ZodType,
) {
  for (const [name, cases] of Object.entries(table)) {
    const rows = (cases ?? []).map(([value, path]) => ({ value, path }));
    it.each(rows)(`${name} ${kind}: rejects a bad $path (case %#)`, ({ value, path }) => {
      expect(issuePaths(schemaOf(name), value)).toContain(path);
    });
  }
}

describe('invalid input', () => {
  describeCases('params', invalidParams, (name) => Methods[name as MethodName].params);
  describeCases('result', invalidResults, (name) => Methods[name as MethodName].result);
  describeCases('notification', invalidNotifications, (name) => Notifications[name as NotificationName]);

  it('rejects params that are not an object', () => {
    expect(issuePaths(Methods['tx.begin'].params, null)).toEqual(['']);
    expect(issuePaths(Methods['terminal.list'].params, ['agent-1'])).toEqual(['']);
  });
});

describe('forward compatibility', () => {
  it('accepts and drops unknown fields in read-only params, results and notifications', () => {
    expect(Methods['terminal.list'].params.parse({ agentId: 'a', sort: 'name' })).toEqual({ agentId: 'a' });
    expect(Methods['terminal.read'].params.parse({ terminalId: 't', follow: true })).toEqual({
      terminalId: 't',
    });
    expect(Methods['terminal.write'].result.parse({ bytesWritten: 3, flushed: true })).toEqual({
      bytesWritten: 3,
    });
    const output = Notifications['terminal.output'].parse({ terminalId: 't', data: 'x', offset: 0, seq: 1 });
    expect(output).toEqual({ terminalId: 't', data: 'x', offset: 0 });
    const initialize = Methods.initialize.params.parse({
      protocolVersion: '1.0.0',
      clientInfo: { name: 'c', vendor: 'x' },
      locale: 'en',
    });
    expect(initialize).toEqual({ protocolVersion: '1.0.0', clientInfo: { name: 'c' } });
  });

  it('still type-checks known fields next to unknown ones', () => {
    const paths = issuePaths(Methods['terminal.list'].params, { sort: 'name', state: 'sleeping' });
    expect(paths).toEqual(['state']);
  });
});

describe('unknown keys of methods that act on terminals', () => {
  /** Each method's params with one unknown key, and where the key sits. */
  const cases: [MethodName, Record<string, unknown>, string][] = [
    ['terminal.execute', { ...exec, timeout: 500 }, ''],
    ['terminal.spawn', { agentId: 'a', config: { gpu: true } }, 'config'],
    ['terminal.spawn', { agentId: 'a', cfg: {} }, ''],
    ['terminal.write', { terminalId: 't', data: 'x', encode: 'base64' }, ''],
    ['terminal.resize', { terminalId: 't', cols: 80, rows: 24, force: true }, ''],
    ['terminal.kill', { terminalId: 't', sig: 'SIGKILL' }, ''],
    ['terminal.batchExecute', { commands: [{ ...exec, timeout: 1 }] }, 'commands.0'],
    ['terminal.batchExecute', { commands: [exec], stopOnErr: true }, ''],
    ['tx.commit', { txId: 'x', commands: [exec], parallel: true }, ''],
    ['tx.rollback', { txId: 'x', force: true }, ''],
    ['terminal.floor.take', { terminalId: 't', forced: true }, ''],
    ['orchestrator.killAll', { agentID: 'a' }, ''],
    ['orchestrator.pauseAll', { agent: 'a' }, ''],
    ['orchestrator.resumeAll', { agents: ['a'] }, ''],
  ];

  it.each(cases)('%s refuses %j (an unrecognized_keys issue)', (method, params, path) => {
    const parsed = Methods[method].params.safeParse(params);
    expect(parsed.success).toBe(false);
    const issue = parsed.error?.issues[0];
    expect(issue?.code).toBe('unrecognized_keys');
    expect(issue?.path.join('.')).toBe(path);
  });

  it('names the key and the one probably meant, and lists the known keys', () => {
    const message = (method: MethodName, params: unknown) =>
      Methods[method].params.safeParse(params).error?.issues[0]?.message;
    expect(message('terminal.execute', { ...exec, timeout: 500 })).toBe(
      "Unknown key 'timeout' (did you mean 'timeoutMs'?). Known keys: timeoutMs, idleTimeoutMs, maxOutputBytes, terminalId, command, waitForFloor",
    );
    expect(message('orchestrator.killAll', { agentID: 'a' })).toMatch(
      /^Unknown key 'agentID' \(did you mean 'agentId'\?\)/,
    );
    expect(message('terminal.spawn', { agentId: 'a', config: { enviroment: {} } })).toMatch(
      /^Unknown key 'enviroment' \(did you mean 'env'\?\)/,
    );
    expect(message('terminal.kill', { terminalId: 't', zzz: 1, yyy: 2 })).toMatch(
      /^Unknown key 'zzz'; also unknown: yyy\. Known keys: terminalId, signal$/,
    );
  });

  it("puts the unknown keys, the suggestion and the known keys in an InvalidParams' data, beside the issues", () => {
    const data = (method: MethodName, params: unknown) => {
      const parsed = Methods[method].params.safeParse(params);
      if (parsed.success) throw new Error(`expected ${JSON.stringify(params)} to be refused`);
      return schemaError(ErrorCode.InvalidParams, 'Invalid params', parsed.error, 'params').data;
    };
    expect(data('terminal.execute', { ...exec, timeout: 500 })).toEqual({
      unknownKeys: ['timeout'],
      suggestion: 'timeoutMs',
      knownKeys: ['timeoutMs', 'idleTimeoutMs', 'maxOutputBytes', 'terminalId', 'command', 'waitForFloor'],
      issues: [expect.objectContaining({ code: 'unrecognized_keys', keys: ['timeout'], path: [] })],
    });
    // A nested object's keys; no suggestion when none is close.
    expect(data('terminal.spawn', { agentId: 'a', config: { zzz: 1, yyy: 2 } })).toMatchObject({
      unknownKeys: ['zzz', 'yyy'],
      knownKeys: expect.arrayContaining(['cwd', 'env']),
      issues: [{ code: 'unrecognized_keys', path: ['config'] }],
    });
    expect(data('terminal.spawn', { agentId: 'a', config: { zzz: 1 } })).not.toHaveProperty('suggestion');
    // Another first problem: the issues alone.
    expect(data('terminal.execute', { terminalId: 't-1', command: 5, timeout: 500 })).toEqual({
      issues: expect.any(Array),
    });
  });

  it('still accepts every known key', () => {
    expect(Methods['terminal.execute'].params.parse({ ...exec, timeoutMs: 5, waitForFloor: true })).toEqual({
      ...exec,
      timeoutMs: 5,
      waitForFloor: true,
    });
    expect(Methods['orchestrator.killAll'].params.parse({})).toEqual({});
  });
});
