// security.alert reaches RPC clients, scoped like everything else: an agent hears about its own
// agents only, an admin hears everything; capabilities report what this server really provides.
import {
  ErrorCode,
  Methods,
  PROTOCOL_VERSION,
  type Principal,
  RpcPeer,
  type SecurityAlertParams,
  SecurityAlertParamsSchema,
} from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { connect } from '../src/connect';
import { Orchestrator } from '../src/orchestrator';
import { expectCode, rejection, waitFor } from './helpers';

const initParams = { protocolVersion: PROTOCOL_VERSION, clientInfo: { name: 'test' } };

async function listener(orch: Orchestrator, principal: Principal) {
  const alerts: SecurityAlertParams[] = [];
  const peer = new RpcPeer(connect(orch, principal), { methods: Methods });
  peer.onNotification('security.alert', SecurityAlertParamsSchema, (alert) => void alerts.push(alert));
  onTestFinished(() => peer.close());
  peer.start();
  const init = await peer.request('initialize', initParams);
  return { peer, alerts, init };
}

describe('serveChannel: security alerts and capabilities', () => {
  it('forwards a denial to the agent that caused it and to admins, not to other agents', async () => {
    const orch = Orchestrator.builder()
      .withSecurityPolicy({ deniedCommands: ['rm'] })
      .build();
    onTestFinished(() => orch.shutdown());
    const mine = await listener(orch, { kind: 'agent', agentIds: ['mine'] });
    const other = await listener(orch, { kind: 'agent', agentIds: ['other'] });
    const admin = await listener(orch, { kind: 'admin' });

    const info = await mine.peer.request('terminal.spawn', { agentId: 'mine' });
    const denied = await rejection(
      mine.peer.request('terminal.execute', { terminalId: info.id, command: 'rm -rf x' }),
    );
    expectCode(denied, ErrorCode.PolicyDenied);

    await waitFor(() => mine.alerts.length === 1 && admin.alerts.length === 1, 'alerts on both connections');
    expect(mine.alerts[0]).toMatchObject({ agentId: 'mine', terminalId: info.id });
    expect(mine.alerts[0]?.reason).toMatch(/rm/);
    // A ping round trip on the other connection orders it after any alert that was sent to it.
    await other.peer.request('$/ping', {});
    expect(other.alerts).toEqual([]);
  });

  it('advertises only the execution modes and isolation levels it can provide', async () => {
    const orch = new Orchestrator();
    onTestFinished(() => orch.shutdown());
    const { init } = await listener(orch, { kind: 'admin' });
    expect(init.capabilities.executionModes).toEqual(orch.backend.capabilities().executionModes);
    expect(init.capabilities.executionModes).not.toContain('privileged');
    // `sandboxed` runs under bubblewrap: offered exactly when bwrap is installed.
    expect(init.capabilities.executionModes.includes('sandboxed')).toBe(
      init.capabilities.isolationLevels.includes('sandbox'),
    );
    expect(init.capabilities.isolationLevels).toContain('none');
  });
});
