// `OrchflowClient.onSecurityAlert`: a client hears the `security.alert` notifications the server
// sends its connection (policy denials of the agents it may act as), and stops when disposed.
import { OrchflowClient } from '@orchflow/client';
import { ErrorCode, type SecurityAlertParams } from '@orchflow/protocol';
import { afterEach, expect, it } from 'vitest';
import { connect } from '../src/connect';
import { Orchestrator } from '../src/orchestrator';
import { expectCode, rejection, waitFor } from './helpers';

let orch: Orchestrator | undefined;
afterEach(async () => {
  await orch?.shutdown();
  orch = undefined;
});

it('delivers policy denials to onSecurityAlert listeners until they are disposed', async () => {
  orch = Orchestrator.builder()
    .withSecurityPolicy({ deniedCommands: ['rm'] })
    .build();
  const client = await OrchflowClient.fromChannel(connect(orch, { kind: 'agent', agentIds: ['bot'] }));
  const terminal = await client.spawnTerminal('bot');
  const alerts: SecurityAlertParams[] = [];
  const listening = client.onSecurityAlert((alert) => alerts.push(alert));

  expectCode(await rejection(terminal.execute('rm -f first')), ErrorCode.PolicyDenied);
  await waitFor(() => alerts.length === 1, 'the alert of the denied command');
  expect(alerts[0]).toMatchObject({ agentId: 'bot', terminalId: terminal.id, command: 'rm -f first' });
  expect(alerts[0]?.rule).toMatch(/deniedCommands/);

  listening.dispose();
  expectCode(await rejection(terminal.execute('rm -f second')), ErrorCode.PolicyDenied);
  // A command after the denial is answered only after the alert went out on the same connection.
  await terminal.execute('true');
  expect(alerts.map((a) => a.command)).toEqual(['rm -f first']);
  await client.close();
});
