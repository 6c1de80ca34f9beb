// TIOCSTI (and TIOCLINUX) are denied to everything a terminal runs: a command cannot push a line
// into its own terminal's input, to be run by the shell after it, unchecked and unaudited — nor,
// as root (CAP_SYS_ADMIN lets TIOCSTI reach any tty), into another terminal. On this kernel
// `dev.tty.legacy_tiocsti` is 1, so without the filter both work. Isolation levels above `none`
// are covered in @orchflow/security's isolation-injection test.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { terminalFixture } from './fixture';
import { injectCommand, TIOCLINUX_PROBE, X32_GETPID } from './injection-helpers';

const { dir, spawn } = terminalFixture('tiocsti');

describe('TIOCSTI from inside a terminal', () => {
  it('cannot type a line into its own terminal (EPERM), and the shell runs nothing extra', async () => {
    const t = await spawn();
    const mark = join(dir(), 'own-terminal');
    const r = await t.execute(injectCommand('/dev/tty', `touch ${mark}`));
    expect(r.stdout).toBe('denied errno=1\n');
    expect((await t.execute('echo next')).stdout).toBe('next\n');
    expect(existsSync(mark)).toBe(false);
  });

  it('cannot type into another terminal from a scripted-mode command (root: any tty)', async () => {
    const victim = await spawn();
    const tty = (await victim.execute('tty')).stdout.trim();
    expect(tty).toMatch(/^\/dev\/pts\/\d+$/);
    const attacker = await spawn('scripted');
    const mark = join(dir(), 'other-terminal');
    const r = await attacker.execute(injectCommand(tty, `touch ${mark}`));
    expect(r.stdout).toBe('denied errno=1\n');
    expect((await victim.execute('echo alive')).stdout).toBe('alive\n');
    expect(existsSync(mark)).toBe(false);
  });

  it('cannot use TIOCLINUX (EPERM from the filter, where a pty would say EINVAL)', async () => {
    const t = await spawn();
    expect((await t.execute(TIOCLINUX_PROBE)).stdout).toBe('errno=1\n');
  });

  it.runIf(process.arch === 'x64')(
    'is killed for an x32 system call, which would reach ioctl under another number',
    async () => {
      const t = await spawn();
      const r = await t.execute(`${X32_GETPID}; echo "status=$?"`);
      // 128 + SIGSYS (31).
      expect(r.stdout).toContain('status=159');
    },
  );

  it('keeps every other ioctl: the terminal size and stty still work', async () => {
    const t = await spawn();
    const r = await t.execute('stty size; stty -echo; stty echo; echo ok');
    expect(r.stdout).toBe('24 80\nok\n');
  });
});
