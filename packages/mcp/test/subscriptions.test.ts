// Resource subscriptions: a subscribed terminal resource gets `notifications/resources/updated`
// when its terminal prints, and none after unsubscribe; bad URIs are refused.
import type { Client } from '@modelcontextprotocol/client';
import type { Orchestrator } from '@orchflow/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandReport } from '../src';
import { linkedClient, orchestrator, structured } from './helpers';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('MCP resource subscriptions (v2 client, in memory)', { timeout: 60_000 }, () => {
  let orch: Orchestrator;
  let client: Client;
  let close: () => Promise<void>;
  const updates: string[] = [];

  beforeAll(async () => {
    orch = await orchestrator();
    ({ client, close } = await linkedClient(orch, { name: 'subscriber' }));
    client.setNotificationHandler('notifications/resources/updated', (notification) => {
      updates.push(notification.params.uri);
    });
  }, 60_000);
  afterAll(async () => {
    await close?.();
    await orch?.shutdown();
  }, 60_000);

  const run = async (command: string) =>
    structured<CommandReport>(
      'terminal_run',
      await client.callTool({ name: 'terminal_run', arguments: { command } }),
    );

  it('sends resources/updated for new output until unsubscribed', async () => {
    const id = (await run('true')).terminal_id;
    const uri = `orchflow://terminals/${id}/output`;
    await client.subscribeResource({ uri });
    expect(await run('echo sub-marker')).toMatchObject({ status: 'exited', exit_code: 0 });
    const deadline = Date.now() + 15_000;
    while (!updates.includes(uri) && Date.now() < deadline) await sleep(25);
    expect(updates).toContain(uri);
    const read = await client.readResource({ uri });
    expect((read.contents[0] as { text: string }).text).toContain('sub-marker');

    await client.unsubscribeResource({ uri });
    updates.length = 0;
    expect(await run('echo after-unsubscribe')).toMatchObject({ status: 'exited', exit_code: 0 });
    // Well past the 250 ms throttle: a live subscription would have reported this output.
    await sleep(1000);
    expect(updates).toEqual([]);
  });

  it('refuses URIs that are not terminal resources, and unknown terminals', async () => {
    await expect(client.subscribeResource({ uri: 'orchflow://nothing' })).rejects.toThrow(
      /only orchflow:\/\/terminals/,
    );
    await expect(
      client.subscribeResource({ uri: 'orchflow://terminals/no-such-terminal/screen' }),
    ).rejects.toThrow(/No terminal 'no-such-terminal'/);
  });
});
