// TmuxBackend over a real tmux server on a private socket: the backend conformance suite, exact
// bytes through control mode, a server killed from outside, and the tmux-missing error.
import { execFileSync, spawnSync } from 'node:child_process';
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import type { StreamEvent } from '@orchflow/terminal';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TmuxBackend } from '../src/index';
import { alive, describeBackendConformance } from './conformance';

const socketName = `orchflow-test-${process.pid}`;
afterAll(() => {
  spawnSync('tmux', ['-L', socketName, 'kill-server']);
});

describeBackendConformance('TmuxBackend', () => new TmuxBackend({ socketName }));

describe('TmuxBackend I/O', () => {
  let backend: TmuxBackend;
  afterEach(async () => {
    await backend?.dispose();
  });

  it('round-trips UTF-8-heavy and binary output byte for byte', async () => {
    backend = new TmuxBackend({ socketName });
    const session = await backend.createSession({ id: 'bytes', agentId: 'a' });
    // Every byte value, many times, plus multi-byte UTF-8 that tmux splits across %output lines.
    const text = 'héllo wörld — 日本語テキスト 🎉🚀 Ωμέγα '.repeat(400);
    const utf8 = await session.execute(`for i in 1 2 3; do printf '%s' '${text}'; done; printf '\\n'`);
    expect(utf8.stdout).toBe(`${text.repeat(3)}\n`);
    // Raw bytes: `stty raw` so the PTY passes \n and \r untouched; read back from the scrollback.
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const hex = all.toString('hex').replace(/(..)/g, '\\x$1');
    const result = await session.execute(
      `stty raw -echo; for i in $(seq 50); do printf '${hex}'; done; stty sane`,
    );
    expect(result.exitCode).toBe(0);
    const from = result.outputOffset ?? 0;
    const raw = (session as unknown as { pipeline: { readBytes(a: number, b: number): Uint8Array } })
      .pipeline;
    const got = Buffer.from(raw.readBytes(from, from + all.length * 50 + 4096));
    let count = 0;
    for (let at = got.indexOf(all); at >= 0; at = got.indexOf(all, at + 1)) count++;
    expect(count).toBe(50);
  }, 60_000);

  it('sends input byte-exact and runs commands while input is typed', async () => {
    backend = new TmuxBackend({ socketName });
    const session = await backend.createSession({ id: 'input', agentId: 'a' });
    let typed = false;
    const result = await session.execute(
      'echo waiting; IFS= read -r line; printf "%s" "$line" | od -An -tx1 | tr -d " \\n"',
      {
        onOutput: ({ data }) => {
          if (!typed && data.includes('waiting')) {
            typed = true;
            session.write('ä€\t\\x\n');
          }
        },
      },
    );
    expect(result.stdout.split('\n').at(-1)).toBe(Buffer.from('ä€\t\\x').toString('hex'));
  }, 30_000);

  it('snapshots the screen and resizes the pane', async () => {
    backend = new TmuxBackend({ socketName });
    const session = await backend.createSession({
      id: 'snap',
      agentId: 'a',
      config: { cols: 100, rows: 30 },
    });
    session.resize(120, 40);
    expect([session.cols, session.rows]).toEqual([120, 40]);
    // tmux hands a resize to the PTY from a timer (it batches resizes): ask until the shell sees it.
    let size = '';
    const deadline = Date.now() + 10_000;
    while (size !== '40 120\n' && Date.now() < deadline)
      size = (await session.execute('sleep 0.05; stty size')).stdout;
    expect(size).toBe('40 120\n');
    await session.execute('echo on-screen-marker');
    const snap = await session.snapshot();
    expect(snap.lines.join('\n')).toContain('on-screen-marker');
  }, 30_000);

  it('reports an exit on every terminal when the tmux server is killed from outside', async () => {
    const killSocket = `${socketName}-killed`;
    backend = new TmuxBackend({ socketName: killSocket });
    const a = await backend.createSession({ id: 'k1', agentId: 'a' });
    const b = await backend.createSession({ id: 'k2', agentId: 'a' });
    const running = a.execute('sleep 600');
    execFileSync('tmux', ['-L', killSocket, 'kill-server']);
    const [ea, eb] = await Promise.all([a.exited, b.exited]);
    expect(ea.signal).toBe('SIGHUP');
    expect(eb.signal).toBe('SIGHUP');
    expect((await running).shellExited).toBe(true);
    expect(await backend.listSessions()).toEqual([]);
  }, 30_000);

  it('reports the end of a terminal whose window is killed from outside, and only of that one', async () => {
    backend = new TmuxBackend({ socketName });
    const victim = await backend.createSession({ id: 'victim', agentId: 'a' });
    const other = await backend.createSession({ id: 'other', agentId: 'a' });
    const running = victim.execute('sleep 600');
    // The person attached to the terminal's own session closes its window.
    execFileSync('tmux', ['-L', socketName, 'kill-window', '-t', 'orchflow-victim:1']);
    await victim.exited;
    expect(alive(victim.pid)).toBe(false);
    expect((await running).shellExited).toBe(true);
    expect((await other.execute('echo still here')).stdout).toBe('still here\n');
    expect((await backend.listSessions()).map((s) => s.id)).toEqual(['other']);
  }, 30_000);

  it("reports each shell's own exit status, also from servers that just started", async () => {
    // tmux 3.3 sometimes misses the SIGCHLD of a fresh server's first shell and never learns its
    // status (then it is read from the zombie): several new servers make that likely.
    const backends = Array.from(
      { length: 6 },
      (_, i) => new TmuxBackend({ socketName: `${socketName}-x${i}` }),
    );
    try {
      const sessions = await Promise.all(backends.map((b) => b.createSession({ id: 'x', agentId: 'a' })));
      for (const [i, session] of sessions.entries()) {
        session.write(i % 2 ? `exit ${i + 10}\n` : 'kill -KILL $$\n');
      }
      const exits = await Promise.all(sessions.map((session) => session.exited));
      expect(exits).toEqual(
        sessions.map((_, i) =>
          i % 2 ? { exitCode: i + 10, signal: null } : { exitCode: null, signal: 'SIGKILL' },
        ),
      );
    } finally {
      await Promise.all(backends.map((b) => b.dispose()));
      for (const i of backends.keys()) spawnSync('tmux', ['-L', `${socketName}-x${i}`, 'kill-server']);
    }
  }, 60_000);

  it('loses no output when the orchestrator lags more than 10 s behind a flooding pane', async () => {
    // tmux's pause-after would discard a pane's output here; without it tmux stops reading the
    // pane's pty while this client lags, and the program simply waits.
    backend = new TmuxBackend({ socketName });
    const session = await backend.createSession({ id: 'lag', agentId: 'a' });
    const running = session.execute('seq 1 100000');
    const until = Date.now() + 11_000;
    while (Date.now() < until) {
      // Blocks this process's event loop: nothing reads tmux's output meanwhile.
    }
    const result = await running;
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(`${Array.from({ length: 100_000 }, (_, i) => i + 1).join('\n')}\n`);
  }, 60_000);

  it('never pauses a pane: pause() is refused and a subscriber that lags gets a gap, not silent loss', async () => {
    backend = new TmuxBackend({ socketName });
    const session = await backend.createSession({
      id: 'nopause',
      agentId: 'a',
      config: { scrollbackBytes: 64 * 1024 },
    });
    expect(session.canPause).toBe(false);
    expect(() => session.pause()).toThrow(/cannot be paused/);
    const start = session.read().nextOffset;
    const events: StreamEvent[] = [];
    const sub = session.subscribe({ fromOffset: start, manualAck: true, highWaterMark: 16 * 1024 }, (event) =>
      events.push(event),
    );
    // The subscriber never acks, yet the command runs to its end: the pane was not held back.
    const result = await session.execute('seq 1 50000');
    expect(result.stdout.endsWith('49999\n50000\n')).toBe(true);
    sub.ack(start + 16 * 1024);
    const gap = events.find((event) => event.type === 'gap');
    expect(gap?.type === 'gap' && gap.from >= start && gap.to > gap.from).toBe(true);
    sub.dispose();
  }, 30_000);

  it('connects while the server of a backend just disposed is still exiting', async () => {
    // Disposing the last backend ends the server's last session and the server exits; a backend
    // created right then reaches the exiting server first.
    const socket = `${socketName}-relay`;
    for (let i = 0; i < 4; i++) {
      const previous = new TmuxBackend({ socketName: socket });
      await previous.createSession({ id: `r${i}`, agentId: 'a' });
      const disposing = previous.dispose();
      backend = new TmuxBackend({ socketName: socket });
      await disposing;
      const session = await backend.createSession({ id: `n${i}`, agentId: 'a' });
      expect((await session.execute('echo ok')).stdout).toBe('ok\n');
      await backend.dispose();
    }
  }, 60_000);

  it('refuses scripted mode with a clear error', async () => {
    backend = new TmuxBackend({ socketName });
    const error = await backend
      .createSession({ id: 'x', agentId: 'a', config: { mode: 'scripted' } })
      .catch((e: unknown) => e);
    expect(isOrchflowError(error) && error.code).toBe(ErrorCode.InvalidParams);
  });

  it('refuses sandboxed mode under a launch wrapper that does not sandbox', async () => {
    backend = new TmuxBackend({ socketName });
    const launch = {
      level: 'process' as const,
      wrap: (target: { file: string; args: string[]; env: Record<string, string> }) => target,
    };
    const error = await backend
      .createSession({ id: 'x', agentId: 'a', config: { mode: 'sandboxed' }, launch })
      .catch((e: unknown) => e);
    expect(isOrchflowError(error) && error.code).toBe(ErrorCode.InvalidParams);
    expect((error as Error).message).toMatch(/'sandboxed'.*level 'process'/);
  });
});

describe('TmuxBackend without tmux', () => {
  it('fails at construction with SpawnFailed naming the fix', () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      let error: unknown;
      try {
        new TmuxBackend();
      } catch (e) {
        error = e;
      }
      expect(isOrchflowError(error) && error.code).toBe(ErrorCode.SpawnFailed);
      expect(String((error as Error).message)).toMatch(/tmux ≥ 3\.2/);
    } finally {
      process.env.PATH = path;
    }
  });
});
