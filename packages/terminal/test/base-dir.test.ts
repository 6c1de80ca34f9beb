// Where a terminal's shell-integration directory goes: /dev/shm (a tmpfs) when the temp dir is on
// a disk and TMPDIR is not set, else the temp dir; always the temp dir for a sandboxed terminal.
// And the reaper finds a dead owner's directory in either place.
import { existsSync, mkdtempSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { OWNER_FILE, reapLeftovers } from '../src/containment/reaper';
import { SHELL_DIR_PREFIX, SHM_DIR, shellDirBase } from '../src/shell-integration/base-dir';
import { Terminal } from '../src/terminal';

const TMPFS_MAGIC = 0x01021994;
const tmpfs = (dir: string) => statfsSync(dir).type === TMPFS_MAGIC;
const diskTmp = !tmpfs(tmpdir()) && tmpfs(SHM_DIR);
const savedTmpdir = process.env.TMPDIR;

afterEach(() => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
});

it.runIf(diskTmp && savedTmpdir === undefined)(
  'puts a terminal’s directory on /dev/shm when the temp dir is a disk, and removes it at exit',
  async () => {
    expect(shellDirBase(false)).toBe(SHM_DIR);
    const t = await Terminal.spawn({ shell: 'bash' });
    const args = (await t.execute('ps -ww -o args= -p $$')).stdout;
    const rcfile = args.match(/--rcfile (\S+)/)?.[1] ?? '';
    expect(dirname(dirname(rcfile))).toBe(SHM_DIR);
    expect(existsSync(rcfile)).toBe(true);
    await t.execute('exit 0');
    await t.exited;
    expect(existsSync(dirname(rcfile))).toBe(false);
  },
);

it('keeps the temp dir for a sandboxed terminal and wherever TMPDIR is set', () => {
  expect(shellDirBase(true)).toBe(tmpdir());
  process.env.TMPDIR = mkdtempSync(join(tmpdir(), 'orchflow-base-'));
  expect(shellDirBase(false)).toBe(process.env.TMPDIR);
});

it.runIf(existsSync(SHM_DIR))('reaps a dead owner’s directory on /dev/shm', async () => {
  const dead = mkdtempSync(join(SHM_DIR, SHELL_DIR_PREFIX));
  // pid 1 with a start time it never had: an owner that is not running.
  writeFileSync(join(dead, OWNER_FILE), '1-1');
  const report = await reapLeftovers({ hierarchies: [] });
  expect(report.dirs).toContain(dead);
  expect(existsSync(dead)).toBe(false);
});
