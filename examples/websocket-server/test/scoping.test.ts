// What the example promises, checked with the Node client against the running example: each
// agent sees and touches only its own terminals, and Bob's token policy refuses what Alice may do.
import { OrchflowClient } from '@orchflow/client/node';
import { ErrorCode, isOrchflowError, policyDenial } from '@orchflow/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningExample, startExample } from '../src/server';

let example: RunningExample;
let alice: OrchflowClient;
let bob: OrchflowClient;

beforeAll(async () => {
  example = await startExample();
  alice = await OrchflowClient.websocket(example.websocketUrl, { token: example.tokens.alice });
  bob = await OrchflowClient.websocket(example.websocketUrl, { token: example.tokens.bob });
});

afterAll(async () => {
  await alice?.close();
  await bob?.close();
  await example?.stop();
});

/** The orchflow error code `promise` rejects with (fails the test if it resolves). */
async function codeOf(promise: Promise<unknown>): Promise<number> {
  const error = await promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (failure: unknown) => failure,
  );
  if (!isOrchflowError(error)) throw error;
  return error.code;
}

describe('the websocket-server example', () => {
  it('loads both agents from the tokens file, each as its own principal', () => {
    expect(alice.principal).toMatchObject({ kind: 'agent', name: 'alice', agentIdPrefix: 'alice-' });
    expect(bob.principal).toMatchObject({ kind: 'agent', name: 'bob', agentIdPrefix: 'bob-' });
  });

  it('keeps each agent to its own terminals', async () => {
    const mine = await alice.spawnTerminal('alice-scoping');
    const theirs = await bob.spawnTerminal('bob-scoping');
    expect((await alice.listTerminals()).map((t) => t.id)).toEqual([mine.id]);
    expect((await bob.listTerminals()).map((t) => t.id)).toEqual([theirs.id]);

    // Bob's terminal, addressed by Alice, does not exist for her — for every kind of call.
    const stolen = alice.handle(theirs.info());
    expect(await codeOf(stolen.execute('echo hijacked'))).toBe(ErrorCode.TerminalNotFound);
    expect(await codeOf(stolen.read())).toBe(ErrorCode.TerminalNotFound);
    expect(await codeOf(stolen.kill())).toBe(ErrorCode.TerminalNotFound);
    // Nor may she spawn under Bob's agent ids.
    expect(await codeOf(alice.spawnTerminal('bob-forged'))).toBe(ErrorCode.Forbidden);

    // Bob's terminal is untouched and still his.
    expect((await theirs.execute('echo still mine')).stdout).toBe('still mine\n');
    await mine.kill();
    await theirs.kill();
  });

  it("holds Bob to his token's policy: what Alice may run is refused for him", async () => {
    const aliceTerminal = await alice.spawnTerminal('alice-policy');
    const allowed = await aliceTerminal.execute('uname -s');
    expect(allowed).toMatchObject({ stdout: 'Linux\n', exitCode: 0 });

    const bobTerminal = await bob.spawnTerminal('bob-policy');
    const refusal = await bobTerminal.execute('uname -s').catch((error: unknown) => error);
    const denial = policyDenial(refusal);
    expect(denial?.rule).toBe('connection:allowedCommands: no match');
    expect(denial?.command).toBe('uname -s');
    // Inside his allowlist he works normally.
    expect(await bobTerminal.execute('echo ok')).toMatchObject({ stdout: 'ok\n', exitCode: 0 });
    await aliceTerminal.kill();
    await bobTerminal.kill();
  });
});
