// How the launcher joins a terminal's cgroups: `0` (itself) written to a v1 hierarchy's `tasks`
// (one thread, which the kernel moves without its cgroup-wide lock; the launcher has no other)
// or a v2 `cgroup.procs`. What the program it execs — and what that one starts — ends up in is
// read back from /proc/<pid>/cgroup.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { TerminalCgroup } from '../src/containment/cgroup';
import { cgroupName, ownerTag, persistentCgroupName } from '../src/containment/cgroup-fs';
import { Containment } from '../src/containment/containment';
import { type ContainmentPreference, hostSupport } from '../src/containment/host';
import type { Launcher } from '../src/containment/launcher';

const made: TerminalCgroup[] = [];

afterEach(async () => {
  await Promise.all(made.splice(0).map((cgroup) => cgroup.destroy()));
});

function makeCgroup(preference: ContainmentPreference, name = cgroupName(ownerTag() as string)) {
  const plan = hostSupport(preference).cgroups;
  if (!plan) return undefined;
  const cgroup = TerminalCgroup.create(plan, name);
  made.push(cgroup);
  return cgroup;
}

/** The cgroup lines of a grandchild: a shell the launcher execs, which starts `cat`. */
function grandchildCgroups(files: readonly string[]): string {
  const launcher = hostSupport().launcher as Launcher;
  const run = launcher.wrap(
    { file: '/bin/sh', args: ['-c', 'cat /proc/self/cgroup'], env: {} },
    { cgroupFiles: files, injectionGuard: false },
  );
  const result = spawnSync(run.file, run.args, { env: run.env, encoding: 'utf8' });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout;
}

it.runIf(hostSupport('cgroup-v1').cgroups)(
  'joins v1 hierarchies through tasks: the whole process and its children',
  () => {
    const cgroup = makeCgroup('cgroup-v1') as TerminalCgroup;
    expect(cgroup.joinFiles.map((file) => basename(file))).toEqual(['tasks']);
    cgroup.setMaxTasks(50);
    expect(cgroup.joinFiles.map((file) => basename(file))).toEqual(['tasks', 'tasks']);
    const name = basename(cgroup.dir);
    const lines = grandchildCgroups(cgroup.joinFiles).split('\n');
    expect(lines.find((line) => /:freezer:/.test(line))).toMatch(new RegExp(`/${name}$`));
    expect(lines.find((line) => /:pids:/.test(line))).toMatch(new RegExp(`/${name}$`));
  },
);

it.runIf(hostSupport('cgroup-v2').cgroups)('joins a v2 hierarchy through cgroup.procs', () => {
  const cgroup = makeCgroup('cgroup-v2') as TerminalCgroup;
  expect(cgroup.joinFiles.map((file) => basename(file))).toEqual(['cgroup.procs']);
  const v2line = grandchildCgroups(cgroup.joinFiles)
    .split('\n')
    .find((line) => line.startsWith('0::'));
  expect(v2line).toMatch(new RegExp(`/${basename(cgroup.dir)}$`));
});

it.runIf(hostSupport('cgroup-v1').cgroups)(
  'a file that cannot be joined stops the launch with its name',
  () => {
    const cgroup = makeCgroup('cgroup-v1') as TerminalCgroup;
    const launcher = hostSupport().launcher as Launcher;
    const missing = `${cgroup.dir}/gone/tasks`;
    const run = launcher.wrap(
      { file: '/bin/true', args: [], env: {} },
      { cgroupFiles: [missing], injectionGuard: false },
    );
    const result = spawnSync(run.file, run.args, { env: run.env, encoding: 'utf8' });
    expect(result.status).toBe(126);
    expect(result.stderr).toContain(`cannot join cgroup ${missing}`);
  },
);

it.runIf(hostSupport('cgroup-v2').cgroups && hostSupport('auto').cgroups?.method === 'freezer')(
  'adopts a pane whose cgroup was made under another plan (v2) than this process’s (the freezer)',
  async () => {
    const name = persistentCgroupName(ownerTag() as string);
    const v2 = makeCgroup('cgroup-v2', name) as TerminalCgroup;
    const launcher = hostSupport().launcher as Launcher;
    const run = launcher.wrap(
      { file: '/bin/sleep', args: ['300'], env: {} },
      { cgroupFiles: v2.joinFiles, injectionGuard: false },
    );
    const sleeper = spawn(run.file, run.args, { env: run.env, stdio: 'ignore' });
    const pid = sleeper.pid as number;
    for (let i = 0; i < 100 && !v2.members().includes(pid); i++) await new Promise((r) => setTimeout(r, 10));
    expect(v2.members()).toContain(pid);
    const adopted = Containment.adopt(pid, hostSupport('auto'));
    expect(adopted.kind).toBe('cgroup');
    await adopted.destroy();
    expect(existsSync(v2.dir)).toBe(false);
    if (sleeper.exitCode === null && sleeper.signalCode === null) await once(sleeper, 'exit');
    expect(sleeper.signalCode).toBe('SIGKILL');
  },
);

it.runIf(hostSupport('cgroup-v1').cgroups)(
  'killSync (the exit path) ends a freezer cgroup whose members keep forking',
  async () => {
    const cgroup = makeCgroup('cgroup-v1') as TerminalCgroup;
    cgroup.setMaxTasks(64);
    const launcher = hostSupport().launcher as Launcher;
    const run = launcher.wrap(
      { file: '/bin/sh', args: ['-c', 'while :; do sleep 100 & done 2>/dev/null'], env: {} },
      { cgroupFiles: cgroup.joinFiles, injectionGuard: false },
    );
    spawn(run.file, run.args, { env: run.env, stdio: 'ignore' });
    for (let i = 0; i < 200 && cgroup.members().length < 20; i++) await new Promise((r) => setTimeout(r, 10));
    expect(cgroup.members().length).toBeGreaterThanOrEqual(20);
    cgroup.killSync();
    for (let i = 0; i < 200 && cgroup.members().length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(cgroup.members()).toEqual([]);
  },
);
