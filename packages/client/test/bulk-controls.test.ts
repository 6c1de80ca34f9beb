import { ErrorCode, orchflowErrorCode } from '@orchflow/protocol';
import { expect, it } from 'vitest';
import type { OrchflowClient } from '../src/index';
import { directClient } from './direct-fixture';

const connect = directClient;

async function agentsLeft(client: OrchflowClient): Promise<string[]> {
  return (await client.listTerminals({ state: 'running' })).map((info) => info.agentId).sort();
}

it('killAll, pauseAll and resumeAll take an agent id as a string or as { agentId }', async () => {
  const { client } = await connect();
  await Promise.all(['keep', 'victim', 'other'].map((agent) => client.spawnTerminal(agent)));

  expect(await client.pauseAll({ agentId: 'victim' })).toBe(1);
  expect((await client.listTerminals({ state: 'paused' })).map((info) => info.agentId)).toEqual(['victim']);
  expect(await client.resumeAll({ agentId: 'victim' })).toBe(1);
  expect(await client.pauseAll('other')).toBe(1);
  expect(await client.resumeAll('other')).toBe(1);

  expect(await client.killAll({ agentId: 'victim' })).toBe(1);
  expect(await agentsLeft(client)).toEqual(['keep', 'other']);
  expect(await client.killAll('other')).toBe(1);
  expect(await agentsLeft(client)).toEqual(['keep']);
  // No target (or an empty one) still means every terminal.
  expect(await client.killAll({})).toBe(1);
  expect(await agentsLeft(client)).toEqual([]);
});

it('refuses a bulk-control target with an unknown key instead of acting on every terminal', async () => {
  const { client } = await connect();
  await client.spawnTerminal('keep');
  const typo = { agentID: 'victim' } as unknown as { agentId: string };
  for (const call of [
    () => client.killAll(typo),
    () => client.pauseAll(typo),
    () => client.resumeAll(typo),
  ]) {
    const error = await call().catch((e: unknown) => e);
    expect(orchflowErrorCode(error)).toBe(ErrorCode.InvalidParams);
    expect((error as Error).message).toMatch(/'agentID'.*did you mean 'agentId'/);
  }
  const notAnId = await client.killAll(42 as unknown as string).catch((e: unknown) => e);
  expect(orchflowErrorCode(notAnId)).toBe(ErrorCode.InvalidParams);
  expect(await agentsLeft(client)).toEqual(['keep']);
});
