// TIOCSTI/TIOCLINUX and fd hygiene at every isolation level, in PTY and scripted mode: what a
// terminal runs is under the seccomp filter (also inside bubblewrap, which the launcher execs
// with the filter already installed), holds no fd of the orchestrator, and cannot push input
// into its own terminal or — root has CAP_SYS_ADMIN, which lets TIOCSTI reach any tty — into
// another one. (`dev.tty.legacy_tiocsti` is 1 here: without the filter all of this works.)
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Terminal } from '@orchflow/terminal';
import { afterEach, describe, expect, it } from 'vitest';
import { findExecutable } from '../src/isolation/tools';
import type { IsolationLevel } from '../src/policy/schema';
import { isolatedTerminal, workspace } from './isolation-helpers';

/** Types `text` + CR into `tty` with TIOCSTI, as a real program does; prints the outcome. */
function inject(tty: string, text: string): string {
  const script = [
    'open(my $t, "+<", $ARGV[0]) or do { print "cannot open: $!\\n"; exit 0 };',
    'for my $c (split(//, $ARGV[1]), "\\r") { unless (ioctl($t, 0x5412, $c)) { print "denied errno=", $! + 0, "\\n"; exit 0 } }',
    'print "injected\\n";',
  ].join(' ');
  return `perl -e '${script}' ${tty} '${text}'`;
}

// Seccomp mode 2 (filter) with at least one filter; and the fds the shell holds. `ls` runs alone:
// in a pipeline (`ls … | tr …`) the shell itself holds the pipe's read end until it has forked
// the second command, and an `ls` that runs first (a loaded machine) lists it as fd 3.
const SECCOMP = `grep -E '^Seccomp:' /proc/self/status | tr -d '\\t'`;
const FDS = 'ls /proc/$$/fd';
const fds = (stdout: string): string => stdout.split(/\s+/).filter(Boolean).join(' ');

const terminals: Terminal[] = [];
afterEach(async () => {
  await Promise.all(terminals.splice(0).map((t) => t.kill()));
});

async function terminal(level: IsolationLevel, scripted = false): Promise<Terminal> {
  const t = await isolatedTerminal({ level }, scripted);
  terminals.push(t);
  return t;
}

const hasBwrap = findExecutable('bwrap') !== undefined || Boolean(process.env.CI);
const levels = (['none', 'process', 'sandbox'] as IsolationLevel[]).filter(
  (l) => l !== 'sandbox' || hasBwrap,
);

describe.each(levels)("isolationLevel '%s'", (level) => {
  it('PTY: runs under the filter with no fd of the orchestrator, and cannot type into its own terminal', async () => {
    // Others first, so there would be masters to leak.
    await terminal('none');
    await terminal('none');
    const t = await terminal(level);
    expect((await t.execute(SECCOMP)).stdout).toBe('Seccomp:2\n');
    expect(fds((await t.execute(FDS)).stdout)).toBe('0 1 2 255');
    const mark = join(t.cwd, 'injected-into-own');
    expect((await t.execute(inject('/dev/tty', `touch ${mark}`))).stdout).toBe('denied errno=1\n');
    expect((await t.execute('echo next')).stdout).toBe('next\n');
    expect(existsSync(mark)).toBe(false);
  });

  it('scripted: runs under the filter with no fd of the orchestrator, and cannot type into a PTY terminal', async () => {
    const victim = await terminal('none');
    const tty = (await victim.execute('tty')).stdout.trim();
    const t = await terminal(level, true);
    expect((await t.execute(SECCOMP)).stdout).toBe('Seccomp:2\n');
    expect(fds((await t.execute(`${FDS}; true`)).stdout)).toBe('0 1 2');
    const mark = join(workspace(), 'injected-into-other');
    const r = await t.execute(inject(tty, `touch ${mark}`));
    // Inside the sandbox the host's ptys are not even there (a private /dev).
    expect(r.stdout).toBe(
      level === 'sandbox' ? 'cannot open: No such file or directory\n' : 'denied errno=1\n',
    );
    expect((await victim.execute('echo alive')).stdout).toBe('alive\n');
    expect(existsSync(mark)).toBe(false);
  });
});

describe('a terminal spawned without isolation', () => {
  it('is under the filter too', async () => {
    const t = await Terminal.spawn({ cwd: workspace() });
    terminals.push(t);
    expect((await t.execute(SECCOMP)).stdout).toBe('Seccomp:2\n');
  });
});
