// A cluster node's clients (a gateway, or OrchflowClient.nats on another host) are network
// clients: an InternalError reaches them as what failed and an error id, never the audit log's
// path, and the node's onError (`orchflow node`'s log, at error level) has the detail under the id.
import { describe, expect, it } from 'vitest';
import { cliForTest } from './cli-run';
import { natsForTest, nodeClientForTest, nodeForTest } from './cluster-harness';
import {
  AUDIT_LOG,
  auditFailing,
  expectRedacted,
  expectReported,
  failure,
  jsonLogLines,
} from './internal-errors-harness';
import { TOKENS } from './transport-harness';

describe('internal errors over a cluster node', { timeout: 60_000 }, () => {
  it('a client of the node gets what failed and an error id; onError has the detail under it', async () => {
    const nats = await natsForTest();
    const errors: Error[] = [];
    await nodeForTest(nats.url, {
      nodeId: 'n1',
      orchestrator: auditFailing({ terminalIdPrefix: 'n1_' }),
      onError: (e) => errors.push(e),
    });
    const client = await nodeClientForTest(nats.url, 'n1', TOKENS.admin);
    const terminal = await client.spawnTerminal('audit');
    expectReported(errors, expectRedacted(await failure(terminal.execute('echo hi'))));
  });

  it('orchflow node logs the failure at error level under the id its client was given', async () => {
    const nats = await natsForTest();
    const child = cliForTest([
      'node',
      '--log-format',
      'json',
      '--nats',
      nats.url,
      '--name',
      'n2',
      '--insecure-no-auth',
      '--audit-log',
      AUDIT_LOG,
    ]);
    const { lineWhere } = jsonLogLines(child);
    await lineWhere((line) => line.msg === 'node ready');
    const client = await nodeClientForTest(nats.url, 'n2');
    const errorId = expectRedacted(await failure((await client.spawnTerminal('cli')).execute('echo hi')));
    const line = await lineWhere((l) => l.errorId === errorId);
    expect(line).toMatchObject({
      level: 50,
      msg: 'request failed with an internal error',
      transport: 'nats',
      request: "'terminal.execute'",
      data: { path: AUDIT_LOG },
    });
    expect(line.err).toMatch(/Audit log '\/dev\/full' could not be written \(ENOSPC/);
    expect(line.stack).toMatch(/\n\s+at /);
  });
});
