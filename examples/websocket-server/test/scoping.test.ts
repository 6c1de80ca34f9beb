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

  it('keeps the tokens file out of every terminal: Bob cannot name it, nor can Alice', async () => {
    const bobTerminal = await bob.spawnTerminal('bob-secrets');
    // The server's forbidden path refuses it first...
    const bobCat = policyDenial(
      await bobTerminal.execute(`cat ${example.tokensFile}`).catch((e: unknown) => e),
    );
    expect(bobCat?.rule).toMatch(/^forbidden-path:/);
    // ...and without it, Bob's allowlist has no program that opens a path, nor redirections.
    const bobOther = policyDenial(await bobTerminal.execute('cat /etc/hostname').catch((e: unknown) => e));
    expect(bobOther?.rule).toBe('connection:allowedCommands: no match');
    const bobRedirect = policyDenial(
      await bobTerminal.execute(`echo x > ${example.secretsDir}/planted`).catch((e: unknown) => e),
    );
    expect(bobRedirect?.rule).toMatch(/^(connection:)?(capability:canWriteFiles|forbidden-path:)/);
    const bobWrite = policyDenial(await bobTerminal.execute('echo x > planted.txt').catch((e: unknown) => e));
    expect(bobWrite?.rule).toMatch(/capability:canWriteFiles/);
    const bobDate = policyDenial(await bobTerminal.execute('date -f /etc/hostname').catch((e: unknown) => e));
    expect(bobDate?.rule).toBe('connection:allowedCommands[2]: date: refused');

    // Alice runs cat under `standard`, but the server's forbidden path covers the directory.
    const aliceTerminal = await alice.spawnTerminal('alice-secrets');
    for (const command of [
      `cat ${example.tokensFile}`,
      `ls ${example.secretsDir}`,
      `cd ${example.secretsDir} && cat tokens.json`,
      `cat ${example.secretsDir}/*`,
    ]) {
      const denial = policyDenial(await aliceTerminal.execute(command).catch((e: unknown) => e));
      expect(denial?.rule, command).toMatch(/^forbidden-path:/);
    }
    // What the check does not cover is in the README; the file itself is intact.
    expect(await aliceTerminal.execute('echo still here')).toMatchObject({ stdout: 'still here\n' });
    await bobTerminal.kill();
    await aliceTerminal.kill();
  });
});
