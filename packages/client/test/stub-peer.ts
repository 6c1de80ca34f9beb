// What the client tests' scripted server peers answer: a terminal's info, a command's result and
// the `initialize` result, with the fields a test varies as options.
import {
  type ExecResult,
  type InitializeResult,
  PROTOCOL_VERSION,
  type TerminalInfo,
} from '@orchflow/protocol';

/** A running interactive terminal `t1` of agent `agentId` on the direct backend. */
export function terminalInfo(agentId = 'a'): TerminalInfo {
  return {
    id: 't1',
    agentId,
    pid: 1,
    mode: 'interactive',
    backend: 'direct',
    state: 'running',
    cols: 80,
    rows: 24,
    createdAt: new Date(0).toISOString(),
  };
}

/**
 * The `initialize` result of an admin connection on `transport` that lists `features` (default:
 * `subscriptions` alone, which the stubs that push output answer).
 */
export function handshake(
  options: { protocolVersion?: string; transport?: string; features?: string[] } = {},
): InitializeResult {
  return {
    protocolVersion: options.protocolVersion ?? PROTOCOL_VERSION,
    serverInfo: { name: 'stub', version: '0' },
    capabilities: {
      transports: [options.transport ?? 'direct'],
      executionModes: ['interactive'],
      backends: ['direct'],
      isolationLevels: ['none'],
      features: options.features ?? ['subscriptions'],
    },
    principal: { kind: 'admin' },
  };
}

/** A command's result: exit code 0, no output, in `/`; `fields` override. */
export function execResult(fields: Partial<ExecResult> = {}): ExecResult {
  return {
    stdout: '',
    stderr: '',
    exitCode: 0,
    signal: null,
    durationMs: 1,
    timedOut: false,
    truncated: false,
    cwd: '/',
    ...fields,
  };
}
