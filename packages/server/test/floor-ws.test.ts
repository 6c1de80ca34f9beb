// Floor control over a real WebSocket server: a person's connection takes an agent's terminal
// over, the agent (another socket, another token) gets FloorHeld naming the person, the person's
// keystrokes reach the shell, a viewer token cannot take it, and the floor comes back to the agent
// — with a `terminal.floor` notification — when the person's socket closes.
import { connectWebSocket } from '@orchflow/client/node';
import { ErrorCode, type FloorState, floorHeld, isOrchflowError } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startWs, TOKENS } from './transport-harness';

async function failure(promise: Promise<unknown>): Promise<{ code: number; message: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isOrchflowError(error), `expected an OrchflowError, got ${String(error)}`).toBe(true);
  return error as { code: number; message: string };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('floor control over WebSocket', () => {
  it('refuses the agent while a person holds the floor and frees it when their socket closes', async () => {
    const { url, orch } = await startWs();
    const agent = await connectWebSocket(url, { token: TOKENS.alice, reconnect: false });
    onTestFinished(() => agent.close());
    const person = await connectWebSocket(url, {
      token: TOKENS.admin,
      reconnect: false,
      clientInfo: { name: 'monitor' },
    });
    onTestFinished(() => person.close());
    const viewer = await connectWebSocket(url, { token: TOKENS.viewer, reconnect: false });
    onTestFinished(() => viewer.close());

    const agentTerm = await agent.spawnTerminal('alice-1');
    const changes: FloorState[] = [];
    const stop = await agentTerm.onFloor((state) => changes.push(state));
    const personTerm = person.handle(agentTerm.info());

    const taken = await personTerm.takeFloor();
    expect(taken.holder).toMatchObject({ name: 'monitor', kind: 'admin' });
    const refused = await failure(agentTerm.execute('echo hi'));
    expect(refused.code).toBe(ErrorCode.FloorHeld);
    expect(refused.message).toMatch(/taken over by monitor/);
    expect(floorHeld(refused)?.holder.name).toBe('monitor');
    expect((await failure(viewer.handle(agentTerm.info()).takeFloor())).code).toBe(ErrorCode.Forbidden);

    const { endOffset } = await personTerm.read();
    await personTerm.write('echo by-$((40+2))\r');
    await until(
      () => orch.read(agentTerm.id, { fromOffset: endOffset }).data.includes('by-42'),
      'the keystrokes to run',
    );

    await person.close();
    await until(() => changes.some((c) => c.holder === null), 'the release notification');
    expect(changes.map((c) => c.holder?.name ?? null)).toEqual(['monitor', null]);
    expect((await agentTerm.execute('echo mine again')).stdout).toBe('mine again\n');
    stop.dispose();
  });
});
