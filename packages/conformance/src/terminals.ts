// Conformance, terminals: spawn and list, raw input, resize, screen snapshots, scrollback read by
// offset, activity (asked for and pushed), and kill (the whole process tree is gone afterwards).
import type { RemoteTerminal } from '@orchflow/client';
import { ErrorCode, type TerminalActivity } from '@orchflow/protocol';
import { expect, it } from 'vitest';
import { codeOf, eventually, quietEcho, serve, type TransportCase } from './harness';

/** True while a process with `pid` exists (the servers run on this host). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Starts `sleep 300` in the background of `terminal`'s shell and returns its pid. */
export async function backgroundChild(terminal: RemoteTerminal): Promise<number> {
  // Interactive bash also prints a job notice (`[1] pid`): take the pid from the marked line.
  const { stdout } = await terminal.execute('sleep 300 >/dev/null 2>&1 & echo "child=$!"');
  const pid = Number(/child=(\d+)/.exec(stdout)?.[1]);
  expect(pid).toBeGreaterThan(0);
  return pid;
}

/** Registers the terminal tests for `transport`. */
export function terminalTests(transport: TransportCase): void {
  it('spawns a terminal that reports its info and is listed', async () => {
    const { admin } = await serve(transport);
    const terminal = await admin.spawnTerminal('conf-spawn', { cols: 90, rows: 20 });
    expect(terminal.info()).toMatchObject({ agentId: 'conf-spawn', state: 'running', cols: 90, rows: 20 });
    expect(alive(terminal.info().pid)).toBe(true);
    const listed = await admin.listTerminals({ agentId: 'conf-spawn' });
    expect(listed.map((info) => info.id)).toEqual([terminal.id]);
    expect(await admin.listTerminals({ agentId: 'nobody' })).toEqual([]);
  });

  it('takes raw input, resizes, snapshots the screen and reads scrollback by offset', async () => {
    const { admin } = await serve(transport);
    const terminal = await admin.spawnTerminal('conf-io', { cols: 80, rows: 24 });
    const start = (await terminal.read()).endOffset;
    await terminal.write(`${quietEcho('typed-by-write')}\r`);
    await eventually(
      async () => (await terminal.read({ fromOffset: start })).data.includes('typed-by-write'),
      'the output of written input',
    );
    await terminal.resize(100, 30);
    expect(terminal.info()).toMatchObject({ cols: 100, rows: 30 });
    expect((await terminal.execute('stty size')).stdout).toBe('30 100\n');
    const snapshot = await terminal.snapshot();
    expect(snapshot).toMatchObject({ cols: 100, rows: 30, altScreen: false });
    expect(snapshot.lines.join('\n')).toContain('typed-by-write');
    // By offset: a page starts where asked, `nextOffset` continues it, pages join up exactly.
    const all = await terminal.read({ fromOffset: start });
    expect(all.offset).toBe(start);
    expect(all.nextOffset).toBe(all.endOffset);
    const first = await terminal.read({ fromOffset: start, maxBytes: 10 });
    expect(first).toMatchObject({ offset: start, nextOffset: start + 10 });
    const rest = await terminal.read({ fromOffset: first.nextOffset, maxBytes: 1024 * 1024 });
    expect(first.data + rest.data).toBe(all.data.slice(0, first.data.length + rest.data.length));
    expect(rest.nextOffset).toBeGreaterThanOrEqual(all.nextOffset);
  });

  it('reports what a terminal does and pushes each change (terminal.activity)', async () => {
    const { admin } = await serve(transport);
    const terminal = await admin.spawnTerminal('conf-activity');
    expect(await terminal.activity()).toMatchObject({ terminalId: terminal.id, activity: 'idle' });
    const seen: TerminalActivity[] = [];
    const listening = await terminal.onActivity((state) => seen.push(state));
    // The shell's own `read` waits for a line: the kernel shows it blocked reading the terminal.
    const run = terminal.execute('read line', { timeoutMs: 60_000 });
    await eventually(async () => (await terminal.activity()).activity === 'awaiting_input', 'awaiting input');
    expect(await terminal.activity()).toMatchObject({ activity: 'awaiting_input', command: 'read line' });
    await eventually(
      () => seen.some((s) => s.activity === 'awaiting_input'),
      'the awaiting_input notification',
    );
    await terminal.write('an answer\r');
    expect((await run).exitCode).toBe(0);
    await eventually(() => seen.at(-1)?.activity === 'idle', 'the idle notification');
    expect(await terminal.activity()).toMatchObject({ activity: 'idle' });
    listening.dispose();
  });

  it('reports the commands a terminal ran, typed ones too (terminal.history)', async () => {
    const { admin } = await serve(transport);
    const terminal = await admin.spawnTerminal('conf-history');
    await terminal.execute('echo first');
    await terminal.execute('(exit 5)');
    await terminal.write('echo by-hand\r');
    await eventually(
      async () => (await terminal.history()).at(-1)?.exitCode !== undefined,
      'the typed command to end',
    );
    const history = await terminal.history();
    expect(history.map(({ command, source, exitCode }) => ({ command, source, exitCode }))).toEqual([
      { command: 'echo first', source: 'execute', exitCode: 0 },
      { command: '(exit 5)', source: 'execute', exitCode: 5 },
      { command: 'echo by-hand', source: 'typed', exitCode: 0 },
    ]);
    expect((await terminal.history(1)).map((c) => c.command)).toEqual(['echo by-hand']);
    expect(await codeOf(terminal.history(0))).toBe(ErrorCode.InvalidParams);
  });

  it('kills a terminal with its whole process tree', async () => {
    const { admin } = await serve(transport);
    const terminal = await admin.spawnTerminal('conf-kill');
    const child = await backgroundChild(terminal);
    expect(alive(child)).toBe(true);
    const exit = await terminal.kill();
    expect(exit).toHaveProperty('exitCode');
    expect(terminal.info().state).toBe('exited');
    await eventually(() => !alive(child) && !alive(terminal.info().pid), 'the process tree to be gone');
    const running = await admin.listTerminals({ state: 'running' });
    expect(running.map((info) => info.id)).not.toContain(terminal.id);
  });
}
