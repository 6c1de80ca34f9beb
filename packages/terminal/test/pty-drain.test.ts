// PtyDrain patches node-pty's private `_pty`/`_socket`. These tests pin that shape on the real
// node-pty this package depends on (a node-pty release that changes it fails here first), and
// check that a PTY the drain cannot hold is never silent: one warning, and a count in the stats.
import { spawn } from 'node-pty';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Terminal } from '../src/index';
import { spawnNodePty } from '../src/node-pty-process';
import { PtyDrain, ptyDrainStats } from '../src/pty-drain';

describe('PtyDrain', () => {
  it("installs on a real node-pty PTY: node-pty's private _pty and _socket have the expected shape", async () => {
    const pty = spawn('/bin/sh', ['-c', 'sleep 30'], {
      cols: 80,
      rows: 24,
      cwd: '/',
      env: {},
      encoding: null,
    });
    const exited = new Promise((resolve) => pty.onExit(resolve));
    onTestFinished(async () => {
      pty.kill('SIGKILL');
      await exited;
    });
    const internals = pty as unknown as { _pty?: unknown; _socket?: { destroy?: unknown } };
    expect(typeof internals._pty).toBe('string');
    expect(typeof internals._socket?.destroy).toBe('function');
    const before = ptyDrainStats();
    const drain = PtyDrain.install(pty, 'test-nonce');
    expect(drain).toBeInstanceOf(PtyDrain);
    // Read through the drain as the terminal does, so the kill below drains at once.
    pty.onData((data) => drain?.filter(data as unknown as Buffer));
    expect(ptyDrainStats()).toMatchObject({ drained: before.drained + 1, undrained: before.undrained });
  });

  it('reads the last output to its end when a pause comes while it drains (in-process node-pty)', async () => {
    // As test/spawner.test.ts's: a reader that pauses on every chunk for 3 s, a program that
    // writes 20 000 bytes and exits during the first pause.
    const pty = spawnNodePty({
      file: '/bin/sh',
      args: ['-c', 'head -c 20000 /dev/zero | tr "\\0" x; exit 0'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      cwd: '/',
      cols: 80,
      rows: 24,
      nonce: 'n',
      dir: '/tmp',
    });
    const exited = new Promise((resolve) => pty.onExit(resolve));
    let xs = 0;
    pty.onData((bytes) => {
      xs += Buffer.from(bytes).toString('latin1').split('x').length - 1;
      pty.pause();
      setTimeout(() => pty.resume(), 3000).unref();
    });
    expect(await exited).toEqual({ exitCode: 0, signal: null });
    expect(xs).toBe(20_000);
  });

  it('is installed on every terminal Terminal.spawn starts', async () => {
    const before = ptyDrainStats().drained;
    const t = await Terminal.spawn({ shell: 'bash' });
    onTestFinished(() => t.kill().then(() => undefined));
    expect(ptyDrainStats().drained).toBe(before + 1);
  });

  it('warns once and counts the PTYs it cannot hold when node-pty looks different', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => {
      if (warning.name === 'OrchflowPtyDrainWarning') warnings.push(warning);
    };
    process.on('warning', onWarning);
    onTestFinished(() => {
      process.off('warning', onWarning);
    });
    const before = ptyDrainStats();
    const changed = [
      {},
      { _pty: '/dev/pts/x', _socket: {} },
      { _pty: '/nonexistent/pty', _socket: { destroy() {} } },
    ];
    for (const shape of changed) {
      expect(
        PtyDrain.install(shape as unknown as Parameters<typeof PtyDrain.install>[0], 'n'),
      ).toBeUndefined();
    }
    const after = ptyDrainStats();
    expect(after.undrained).toBe(before.undrained + changed.length);
    expect(after.drained).toBe(before.drained);
    expect(after.lastFailure).toMatch(/cannot open the PTY's slave/);
    // emitWarning delivers on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/may be lost/);
  });
});
