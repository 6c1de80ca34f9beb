// Conformance, scoping between principals: an agent sees and controls only its own terminals
// (another's is "not found" for every method, including batches and streams), may spawn only under
// its own agent ids, and may not use emergency controls; its metrics count only its terminals.
// A viewer sees every terminal and its output and history, and is Forbidden everything else.
import { ErrorCode } from '@orchflow/protocol';
import { expect, it } from 'vitest';
import { codeOf, serve, TOKENS, type TransportCase } from './harness';
import { alive } from './terminals';

/** Registers the scoping tests for `transport`. */
export function scopingTests(transport: TransportCase): void {
  it('keeps an agent away from another agent’s terminals', async () => {
    const { connect, admin } = await serve(transport);
    const alice = (await connect(TOKENS.alice)).client;
    const bob = (await connect(TOKENS.bob)).client;
    expect(alice.principal).toMatchObject({ kind: 'agent', name: 'alice' });
    const mine = await alice.spawnTerminal('alice-1');
    const theirs = bob.handle(mine.info());
    const notFound = ErrorCode.TerminalNotFound;
    expect(await codeOf(theirs.execute('id'))).toBe(notFound);
    expect(await codeOf(theirs.write('id\r'))).toBe(notFound);
    expect(await codeOf(theirs.resize(100, 30))).toBe(notFound);
    expect(await codeOf(theirs.snapshot())).toBe(notFound);
    expect(await codeOf(theirs.activity())).toBe(notFound);
    expect(await codeOf(theirs.onActivity(() => undefined))).toBe(notFound);
    expect(await codeOf(theirs.read())).toBe(notFound);
    expect(await codeOf(theirs.onOutput(() => undefined))).toBe(notFound);
    expect(await codeOf(theirs.kill())).toBe(notFound);
    const [item] = await bob.batchExecute([{ terminalId: mine.id, command: 'id' }]);
    expect(item).toMatchObject({ ok: false, error: { code: notFound } });
    const tx = await bob.transaction();
    expect(await codeOf(tx.commit([{ terminalId: mine.id, command: 'id' }]))).toBe(notFound);
    expect(await bob.listTerminals()).toEqual([]);
    expect((await bob.metrics()).terminals.total).toBe(0);
    // Alice's terminal is untouched, and the admin sees it.
    expect(alive(mine.info().pid)).toBe(true);
    expect((await mine.execute('echo still-mine')).stdout).toBe('still-mine\n');
    expect((await alice.listTerminals()).map((t) => t.id)).toEqual([mine.id]);
    expect((await admin.listTerminals()).map((t) => t.id)).toContain(mine.id);
  });

  it('lets a viewer watch every terminal and refuses it every control (Forbidden)', async () => {
    const { connect } = await serve(transport);
    const alice = (await connect(TOKENS.alice)).client;
    const viewer = (await connect(TOKENS.viewer)).client;
    expect(viewer.principal).toEqual({ kind: 'viewer', name: 'wall' });
    const mine = await alice.spawnTerminal('alice-watched');
    await mine.execute('echo watched-output');
    const watched = viewer.handle(mine.info());
    expect((await viewer.listTerminals()).map((t) => t.id)).toEqual([mine.id]);
    expect((await watched.read({ fromOffset: 0 })).data).toContain('watched-output');
    expect((await watched.history()).map((c) => c.command)).toEqual(['echo watched-output']);
    expect((await viewer.metrics()).terminals.total).toBe(1);
    const forbidden = ErrorCode.Forbidden;
    expect(await codeOf(watched.execute('id'))).toBe(forbidden);
    expect(await codeOf(watched.write('id\r'))).toBe(forbidden);
    expect(await codeOf(watched.resize(100, 30))).toBe(forbidden);
    expect(await codeOf(watched.kill())).toBe(forbidden);
    expect(await codeOf(viewer.spawnTerminal('viewer-1'))).toBe(forbidden);
    expect(await codeOf(viewer.batchExecute([{ terminalId: mine.id, command: 'id' }]))).toBe(forbidden);
    expect(await codeOf(viewer.transaction())).toBe(forbidden);
    expect(await codeOf(viewer.pauseAll())).toBe(forbidden);
    expect(await codeOf(viewer.killAll())).toBe(forbidden);
    expect((await mine.execute('echo still-running')).stdout).toBe('still-running\n');
  });

  it('refuses agent ids outside the principal’s prefix and emergency controls (Forbidden)', async () => {
    const { connect } = await serve(transport);
    const alice = (await connect(TOKENS.alice)).client;
    expect(await codeOf(alice.spawnTerminal('bob-1'))).toBe(ErrorCode.Forbidden);
    expect(await codeOf(alice.pauseAll())).toBe(ErrorCode.Forbidden);
    expect(await codeOf(alice.resumeAll())).toBe(ErrorCode.Forbidden);
    expect(await codeOf(alice.killAll())).toBe(ErrorCode.Forbidden);
    expect(await codeOf(alice.runInteractive('cat', { agentId: 'bob-cat' }))).toBe(ErrorCode.Forbidden);
  });
}
