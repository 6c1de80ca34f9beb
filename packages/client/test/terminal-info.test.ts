import { ErrorCode, orchflowErrorCode } from '@orchflow/protocol';
import { expect, it } from 'vitest';
import type { OrchflowClient } from '../src/index';
import { directClient } from './direct-fixture';

async function connect(): Promise<OrchflowClient> {
  return (await directClient()).client;
}

it('shows the exit once an execute ended the shell (shellExited)', async () => {
  const client = await connect();
  const terminal = await client.spawnTerminal('exits');
  expect(terminal.info().state).toBe('running');
  const result = await terminal.execute('exit 3');
  expect(result.shellExited).toBe(true);
  expect(terminal.info()).toMatchObject({ state: 'exited', exitCode: 3 });
});

it('shows the exit once an execute was refused with TerminalExited', async () => {
  const client = await connect();
  const terminal = await client.spawnTerminal('exits');
  // A second handle that was not told of the exit: its info still says running.
  const other = client.handle(terminal.info());
  await terminal.execute('exit 4');
  expect(other.info().state).toBe('running');
  const error = await other.execute('echo hi').catch((e: unknown) => e);
  expect(orchflowErrorCode(error)).toBe(ErrorCode.TerminalExited);
  expect(other.info()).toMatchObject({ state: 'exited', exitCode: 4 });
});
