// Conformance, interactive sessions and emergency controls: `runInteractive('cat')` resolves, takes
// input, echoes it and settles `exited` when cat ends; a denied program rejects; pauseAll /
// resumeAll / killAll act on the named agent's terminals only and report how many; metrics count.
import { ErrorCode } from '@orchflow/protocol';
import { foregroundProcessGroup } from '@orchflow/terminal';
import { expect, it } from 'vitest';
import { DENY_PLUGIN } from './batch';
import { codeOf, eventually, serve, TOKENS, type TransportCase } from './harness';
import { alive } from './terminals';

/** Registers the interactive-session and emergency-control tests for `transport`. */
export function sessionTests(transport: TransportCase): void {
  it('runs an interactive cat: input in, echo out, exited when it ends', async () => {
    const { admin } = await serve(transport);
    const session = await admin.runInteractive('cat', { agentId: 'conf-cat' });
    const shell = session.terminal.info().pid;
    // Type-ahead before cat holds the terminal would go to the shell's line editor, as a fast
    // typist's would: wait until cat is the terminal's foreground job.
    await eventually(() => {
      const group = foregroundProcessGroup(shell);
      return group !== undefined && group !== shell;
    }, 'cat in the foreground');
    await session.write('ping-1\n');
    // The PTY echoes the line, then cat prints it back.
    await session.waitFor(/ping-1\r?\n[\s\S]*ping-1/, { timeoutMs: 15_000 });
    await session.write('\x04');
    const result = await session.exited;
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('ping-1');
    await session.close();
  });

  it('refuses a denied interactive program with PolicyDenied and leaves no terminal', async () => {
    const { admin } = await serve(transport, DENY_PLUGIN);
    expect(await codeOf(admin.runInteractive('cat DENYME', { agentId: 'conf-denied' }))).toBe(
      ErrorCode.PolicyDenied,
    );
    expect(await admin.listTerminals({ agentId: 'conf-denied', state: 'running' })).toEqual([]);
  });

  it('pauses, resumes and kills one agent’s terminals and leaves the others alone', async () => {
    const { admin } = await serve(transport);
    const target = await admin.spawnTerminal('conf-emergency');
    const bystander = await admin.spawnTerminal('conf-bystander');
    expect(await admin.pauseAll('conf-emergency')).toBe(1);
    expect((await admin.listTerminals({ agentId: 'conf-emergency' }))[0]?.state).toBe('paused');
    expect((await admin.listTerminals({ agentId: 'conf-bystander' }))[0]?.state).toBe('running');
    // Output of a paused terminal is held back, not lost: the command completes after resume.
    const held = target.execute('echo held-back');
    expect(await admin.resumeAll('conf-emergency')).toBe(1);
    expect((await held).stdout).toBe('held-back\n');
    expect((await admin.listTerminals({ agentId: 'conf-emergency' }))[0]?.state).toBe('running');
    expect(await admin.killAll('conf-emergency')).toBe(1);
    await eventually(() => !alive(target.info().pid), 'the killed terminal’s shell to be gone');
    expect((await admin.listTerminals({ state: 'running' })).map((t) => t.id)).toEqual([bystander.id]);
    const metrics = await admin.metrics();
    expect(metrics.terminals.running).toBe(1);
    expect(metrics.commandsExecuted).toBeGreaterThanOrEqual(1);
  });

  it('emergency stop: killAll with no agent kills every terminal', async () => {
    const { admin, connect } = await serve(transport);
    const alice = (await connect(TOKENS.alice)).client;
    const own = await admin.spawnTerminal('conf-all');
    const theirs = await alice.spawnTerminal('alice-all');
    expect(await admin.killAll()).toBe(2);
    await eventually(() => !alive(own.info().pid) && !alive(theirs.info().pid), 'every shell to be gone');
    expect(await admin.listTerminals({ state: 'running' })).toEqual([]);
  });
}
