// 2026-07-28 clients over stdio: resource updates arrive on `subscriptions/listen` streams (the
// SDK's stdio entry serves the stream; orchflow watches the listened terminals), until the
// subscription is closed; URIs of terminals the client cannot see are not honored.
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandReport } from '../src';
import { cliCommand, cliEnv } from './cli-harness';
import { structured } from './helpers';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('subscriptions/listen over stdio (2026-07-28)', { timeout: 120_000 }, () => {
  let client: Client;
  const updates: string[] = [];

  beforeAll(async () => {
    client = new Client(
      { name: 'stdio-listener', version: '1.0.0' },
      { versionNegotiation: { mode: 'auto' } },
    );
    await client.connect(new StdioClientTransport({ ...cliCommand(['mcp']), env: cliEnv(), stderr: 'pipe' }));
    client.setNotificationHandler('notifications/resources/updated', (n) => {
      updates.push(n.params.uri);
    });
  }, 120_000);
  afterAll(async () => {
    await client?.close();
  }, 60_000);

  const run = async (command: string) =>
    structured<CommandReport>(
      'terminal_run',
      await client.callTool({ name: 'terminal_run', arguments: { command } }),
    );

  it('delivers resources/updated for a listened terminal until the subscription closes', async () => {
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    const id = (await run('true')).terminal_id;
    const uri = `orchflow://terminals/${id}/screen`;
    const subscription = await client.listen({
      resourceSubscriptions: [uri, 'orchflow://terminals/not-mine/output'],
    });
    expect(subscription.honoredFilter.resourceSubscriptions).toEqual([uri]);
    expect(await run('echo stdio-listen')).toMatchObject({ status: 'exited', exit_code: 0 });
    const deadline = Date.now() + 20_000;
    while (!updates.includes(uri) && Date.now() < deadline) await sleep(25);
    expect(updates).toContain(uri);

    await subscription.close();
    updates.length = 0;
    expect(await run('echo after-close')).toMatchObject({ status: 'exited', exit_code: 0 });
    // Well past the 250 ms throttle: an open subscription would have carried this update.
    await sleep(1000);
    expect(updates).toEqual([]);
  });
});
