// Behaviour every MuxBackend must show, as a reusable suite: a later backend (tmux, container)
// runs the same checks by calling `describeBackendConformance` with its own factory.
import { readFileSync } from 'node:fs';
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { MuxBackend } from '../src/index';

/** Whether `pid` runs; a zombie waiting to be reaped counts as gone. */
export function alive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZXx]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

async function expectCode(promise: Promise<unknown>, code: number): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isOrchflowError(error) ? error.code : error).toBe(code);
}

/** Registers the conformance suite for a backend made by `create`. */
export function describeBackendConformance(label: string, create: () => MuxBackend): void {
  describe(`${label} conformance`, () => {
    let backend: MuxBackend;
    afterEach(async () => {
      await backend?.dispose();
    });

    it('creates a session that runs commands and lists it with its agent', async () => {
      backend = create();
      const session = await backend.createSession({ id: 's1', agentId: 'agent-a' });
      expect(session.id).toBe('s1');
      expect(session.state).toBe('running');
      expect(alive(session.pid)).toBe(true);
      const result = await session.execute('echo hello');
      expect(result.stdout).toBe('hello\n');
      const list = await backend.listSessions();
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({
        id: 's1',
        agentId: 'agent-a',
        pid: session.pid,
        backend: backend.name,
      });
    });

    it('reports from the kernel what the session does: idle, awaiting input, idle again', async () => {
      backend = create();
      const session = await backend.createSession({ id: 'act', agentId: 'a' });
      expect(session.activity()).toMatchObject({ terminalId: 'act', activity: 'idle' });
      const run = session.execute('cat', { timeoutMs: 60_000 });
      const end = Date.now() + 15_000;
      while (session.activity().activity !== 'awaiting_input') {
        if (Date.now() > end) throw new Error(`activity stayed ${JSON.stringify(session.activity())}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(session.activity()).toMatchObject({ command: 'cat' });
      session.write('line\r\x04');
      expect((await run).exitCode).toBe(0);
      expect(session.activity().activity).toBe('idle');
    });

    it('refuses a duplicate id', async () => {
      backend = create();
      await backend.createSession({ id: 'dup', agentId: 'a' });
      await expectCode(backend.createSession({ id: 'dup', agentId: 'a' }), ErrorCode.InvalidParams);
    });

    it('attaches to an existing session and sees the same terminal', async () => {
      backend = create();
      const created = await backend.createSession({ id: 'att', agentId: 'a' });
      await created.execute('X=attached');
      const attached = await backend.attach('att');
      expect(attached.pid).toBe(created.pid);
      expect((await attached.execute('echo $X')).stdout).toBe('attached\n');
      await expectCode(backend.attach('nope'), ErrorCode.TerminalNotFound);
    });

    it('kills a session: its process is gone, the exit is reported and it leaves the list', async () => {
      backend = create();
      const session = await backend.createSession({ id: 'k', agentId: 'a' });
      const exits: unknown[] = [];
      session.onExit((info) => exits.push(info));
      const pid = session.pid;
      await backend.killSession('k');
      const info = await session.exited;
      expect(exits).toEqual([info]);
      expect(session.state).toBe('exited');
      expect(alive(pid)).toBe(false);
      expect(await backend.listSessions()).toEqual([]);
      await expectCode(backend.killSession('k'), ErrorCode.TerminalNotFound);
    });

    it('reports a session that exits on its own', async () => {
      backend = create();
      const session = await backend.createSession({ id: 'self', agentId: 'a' });
      session.write('exit 3\n');
      const info = await session.exited;
      expect(info.exitCode).toBe(3);
      expect(await backend.listSessions()).toEqual([]);
    });

    it('dispose kills every session and refuses new ones', async () => {
      backend = create();
      const a = await backend.createSession({ id: 'd1', agentId: 'a' });
      const b = await backend.createSession({ id: 'd2', agentId: 'b' });
      const pids = [a.pid, b.pid];
      await backend.dispose();
      expect(pids.filter(alive)).toEqual([]);
      await expectCode(backend.createSession({ id: 'd3', agentId: 'a' }), ErrorCode.InvalidState);
      await backend.dispose();
    });

    it('reports capabilities', () => {
      backend = create();
      const caps = backend.capabilities();
      expect(caps.executionModes).toContain('interactive');
      expect(typeof caps.persistentSessions).toBe('boolean');
    });
  });
}
