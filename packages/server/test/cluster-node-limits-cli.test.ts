// `orchflow node --max-sessions N`: a real node process refuses the session past N with
// Overloaded naming the flag, its scrape reports the sessions open, and a bad value exits 2.
import { randomUUID } from 'node:crypto';
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import { parseScrape, sampleSum } from '../../core/test/metrics-scrape';
import { runNode } from '../src/cli/node';
import { cliForTest, runCli, waitForStderr } from './cli-run';
import { natsForTest, ncForTest } from './cluster-harness';

describe('orchflow node --max-sessions', { timeout: 60_000 }, () => {
  it('refuses sessions past the flag and reports the open ones in its scrape', async () => {
    const nats = await natsForTest();
    const child = cliForTest([
      'node',
      '--log-format',
      'human',
      '--nats',
      nats.url,
      '--name',
      'n1',
      '--insecure-no-auth',
      '--max-sessions',
      '2',
      '--metrics-port',
      '0',
    ]);
    const ready = await waitForStderr(child, 'Ctrl-C to stop');
    const metrics = /; metrics (http:\/\/127\.0\.0\.1:\d+\/metrics);/.exec(ready)?.[1] as string;
    const nc = await ncForTest(nats.url);
    const open = async () => {
      const inbox = `_INBOX.${randomUUID().replaceAll('-', '')}`;
      const reply = await nc.request('orchflow.orchflow.node.n1.connect', JSON.stringify({ inbox }), {
        timeout: 5_000,
      });
      return reply.json<{ session?: string; error?: { code: number; message: string } }>();
    };
    expect((await open()).session).toBeDefined();
    expect((await open()).session).toBeDefined();
    const refused = (await open()).error;
    expect(refused?.code).toBe(ErrorCode.Overloaded);
    expect(refused?.message).toContain(
      "Node 'n1' holds its limit of 2 sessions (orchflow node --max-sessions)",
    );
    const samples = parseScrape(await (await fetch(metrics)).text());
    expect(sampleSum(samples, 'orchflow_cluster_node_sessions_open')).toBe(2);
  });

  it('refuses a value that is not a whole number > 0 (exit 2)', async () => {
    for (const value of ['0', '-1', '1.5', 'many']) {
      const error = await runNode({
        nats: 'nats://127.0.0.1:1',
        backend: 'direct',
        insecureNoAuth: true,
        maxSessions: value,
      }).catch((e: unknown) => e);
      expect(isOrchflowError(error) && error.code, value).toBe(ErrorCode.InvalidParams);
      expect((error as Error).message).toMatch(/--max-sessions must be/);
    }
    const cli = await runCli([
      'node',
      '--nats',
      'nats://127.0.0.1:1',
      '--insecure-no-auth',
      '--max-sessions',
      'x',
    ]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/^orchflow: --max-sessions must be a number > 0, not 'x'/);
    const help = await runCli(['node', '--help']);
    expect(help.stdout).toContain('--max-sessions <n>');
  });
});
