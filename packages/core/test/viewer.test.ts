// The viewer principal over RPC: it lists and reads every agent's terminals (output, screen,
// activity, history, metrics, alerts) and every method that changes anything is Forbidden with a
// message saying it is read-only. The refusal table covers every method of the protocol, so a
// method added later that is neither a read nor in the table fails this test.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ErrorCode,
  type MethodName,
  Methods,
  PROTOCOL_VERSION,
  type Principal,
  RpcPeer,
  type SecurityAlertParams,
  SecurityAlertParamsSchema,
  TerminalOutputParamsSchema,
} from '@orchflow/protocol';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { connect } from '../src/connect';
import { Orchestrator } from '../src/orchestrator';
import { expectCode, rejection, waitFor } from './helpers';

const VIEWER: Principal = { kind: 'viewer', name: 'wall' };
// What a viewer may call: written out here (not taken from the implementation) on purpose.
const READS: readonly string[] = [
  'terminal.list',
  'terminal.read',
  'terminal.subscribe',
  'terminal.unsubscribe',
  'terminal.snapshot',
  'terminal.activity',
  'terminal.history',
  'orchestrator.metrics',
  '$/ping',
  '$/shutdown',
];

let orch: Orchestrator;
let dir: string;
let terminalId: string;

async function open(principal: Principal) {
  const peer = new RpcPeer(connect(orch, principal), { methods: Methods });
  const alerts: SecurityAlertParams[] = [];
  const output: string[] = [];
  peer.onNotification('security.alert', SecurityAlertParamsSchema, (a) => void alerts.push(a));
  peer.onNotification('terminal.output', TerminalOutputParamsSchema, (o) => void output.push(o.data));
  onTestFinished(() => peer.close());
  peer.start();
  await peer.request('initialize', {
    protocolVersion: PROTOCOL_VERSION,
    clientInfo: { name: 'viewer-test' },
  });
  return { peer, alerts, output };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orchflow-viewer-'));
  orch = Orchestrator.builder()
    .withSecurityPolicy({ deniedCommands: ['rm'] })
    .build();
  const term = await orch.spawnTerminal('worker', { cwd: dir });
  terminalId = term.id;
  await term.execute('echo before-viewer');
});
afterAll(async () => {
  await orch.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

describe('viewer principal', () => {
  it("lists and reads another agent's terminal: output, screen, activity, history, metrics", async () => {
    const { peer } = await open(VIEWER);
    const { terminals } = await peer.request('terminal.list', {});
    expect(terminals.map((t) => t.id)).toEqual([terminalId]);
    const read = await peer.request('terminal.read', { terminalId, fromOffset: 0 });
    expect(read.data).toContain('before-viewer');
    expect((await peer.request('terminal.snapshot', { terminalId })).lines.join('\n')).toContain(
      'before-viewer',
    );
    expect(await peer.request('terminal.activity', { terminalId })).toMatchObject({ activity: 'idle' });
    const { commands } = await peer.request('terminal.history', { terminalId });
    expect(commands.map((c) => c.command)).toContain('echo before-viewer');
    const metrics = await peer.request('orchestrator.metrics', {});
    expect(metrics.terminals.total).toBe(1);
    expect(Object.keys(metrics.terminalsByAgent)).toEqual(['worker']);
  });

  it('subscribes and sees output the owner produces, then unsubscribes', async () => {
    const { peer, output } = await open(VIEWER);
    const { subscriptionId } = await peer.request('terminal.subscribe', { terminalId });
    await orch.execute(terminalId, 'echo live-for-viewer');
    await waitFor(() => output.join('').includes('live-for-viewer'), 'the streamed output', 20_000);
    expect(await peer.request('terminal.unsubscribe', { subscriptionId })).toEqual({ unsubscribed: true });
  });

  it('hears every security alert, also those about agents it is not', async () => {
    const viewer = await open(VIEWER);
    const agent = await open({ kind: 'agent', agentIds: ['rogue'] });
    const info = await agent.peer.request('terminal.spawn', {
      agentId: 'rogue',
      config: { mode: 'scripted' },
    });
    expectCode(
      await rejection(agent.peer.request('terminal.execute', { terminalId: info.id, command: 'rm -rf x' })),
      ErrorCode.PolicyDenied,
    );
    await waitFor(() => viewer.alerts.length === 1, 'the alert on the viewer connection');
    expect(viewer.alerts[0]).toMatchObject({ agentId: 'rogue', terminalId: info.id });
    await orch.kill(info.id);
  });

  it('is refused every method that controls anything, with a read-only message', async () => {
    const { peer } = await open(VIEWER);
    const marker = join(dir, 'viewer-ran-this');
    const command = `touch ${marker}`;
    // Valid params for every method a viewer may not call (names from the contract are listed even
    // before the protocol has them; those are skipped until it does).
    const controls: Record<string, unknown> = {
      'terminal.spawn': { agentId: 'worker' },
      'terminal.execute': { terminalId, command },
      'terminal.write': { terminalId, data: `${command}\r` },
      'terminal.resize': { terminalId, cols: 120, rows: 40 },
      'terminal.kill': { terminalId },
      'terminal.batchExecute': { commands: [{ terminalId, command }] },
      'tx.begin': {},
      'tx.commit': { txId: 'tx-1', commands: [{ terminalId, command }] },
      'tx.rollback': { txId: 'tx-1' },
      'terminal.floor.take': { terminalId },
      'terminal.floor.release': { terminalId },
      'orchestrator.pauseAll': {},
      'orchestrator.resumeAll': {},
      'orchestrator.killAll': {},
    };
    const methods = Object.keys(Methods).filter((m) => m !== 'initialize' && !READS.includes(m));
    const untested = methods.filter((m) => !(m in controls));
    expect(untested, 'methods neither read-only nor in the refusal table').toEqual([]);
    for (const method of methods) {
      const error = expectCode(
        await rejection(peer.request(method as MethodName, controls[method] as never)),
        ErrorCode.Forbidden,
      );
      expect(error.message, method).toMatch(/read-only/);
      expect(error.message, method).toMatch(/admin token/);
    }
    // Nothing happened: the terminal runs, unpaused, at its size, and the command never ran.
    expect(orch.terminalInfo(terminalId)).toMatchObject({ state: 'running', cols: 80, rows: 24 });
    expect((await orch.execute(terminalId, 'echo still-here')).stdout).toBe('still-here\n');
    expect(existsSync(marker)).toBe(false);
  });

  it('sees terminals of every agent while an agent principal still sees only its own', async () => {
    const agent = await open({ kind: 'agent', agentIds: ['someone-else'] });
    expect((await agent.peer.request('terminal.list', {})).terminals).toEqual([]);
    expectCode(
      await rejection(agent.peer.request('terminal.history', { terminalId })),
      ErrorCode.TerminalNotFound,
    );
  });
});
