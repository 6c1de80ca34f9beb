// Where a terminal's shell-integration directory goes: /dev/shm (a tmpfs) for root when the temp
// dir is on a disk and TMPDIR is not set, else the temp dir; always the temp dir for a sandboxed
// terminal or a tmux pane, and when /dev/shm refuses. The reaper finds a dead owner's directory
// in either place.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { OWNER_FILE, reapLeftovers } from '../src/containment/reaper';
import { installIntegration } from '../src/pty-host';
import { isTmpfs, SHELL_DIR_PREFIX, SHM_DIR, shellDirBase } from '../src/shell-integration/base-dir';
import { resolveSpawnOptions } from '../src/spawn-options';
import { Terminal } from '../src/terminal';

const diskTmp = !isTmpfs(tmpdir()) && isTmpfs(SHM_DIR) && process.getuid?.() === 0;
const savedTmpdir = process.env.TMPDIR;

afterEach(() => {
  const set = process.env.TMPDIR;
  if (set && set !== savedTmpdir) rmSync(set, { recursive: true, force: true });
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

it('falls back to the temp dir when the chosen place refuses the directory', () => {
  const opts = resolveSpawnOptions({ shell: 'bash' });
  const integration = installIntegration(opts, false, '/nonexistent/orchflow-base', true);
  try {
    expect(dirname(integration.dir)).toBe(tmpdir());
    expect(existsSync(join(integration.dir, OWNER_FILE))).toBe(true);
  } finally {
    integration.dispose();
  }
});

it('keeps the temp dir for a sandboxed terminal or a pane, and wherever TMPDIR is set', () => {
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
