// Reaping what dead orchflow processes left: only cgroups and shell-integration dirs whose owner
// is gone; a persistent (tmux) cgroup only once empty; nothing of a live owner. Runs in cgroups
// and a temp dir of its own, so a concurrent orchestrator start cannot reap first.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rmdirQuietly } from '../src/containment/cgroup';
import {
  type CgroupHierarchy,
  cgroupName,
  discoverHierarchies,
  ownerTag,
  persistentCgroupName,
} from '../src/containment/cgroup-fs';
import { hostSupport } from '../src/containment/host';
import type { Launcher } from '../src/containment/launcher';
import { OWNER_FILE, reapLeftovers } from '../src/containment/reaper';
import { eventually } from './containment-helpers';

const all = discoverHierarchies();
const wanted = [
  all.find((h) => h.version === 2),
  all.find((h) => h.version === 1 && h.controllers.includes('freezer')),
  all.find((h) => h.version === 1 && h.controllers.includes('pids')),
].filter((h): h is CgroupHierarchy => h !== undefined);
const base = `orchflow-test-reaper-${process.pid}`;
const hierarchies: CgroupHierarchy[] = wanted.map((h) => ({ ...h, parent: join(h.parent, base) }));
const [v2, freezer, pids] = hierarchies;
const children: ChildProcess[] = [];
let tmp: string;
let deadTag: string;

beforeAll(async () => {
  for (const h of hierarchies) mkdirSync(h.parent);
  tmp = mkdtempSync(join(tmpdir(), 'orchflow-reaper-'));
  const short = spawn('sleep', ['0.2']);
  deadTag = ownerTag(short.pid as number) as string;
  await once(short, 'exit');
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const h of hierarchies) {
    await eventually(() => rmdirQuietly(h.parent));
  }
  rmSync(tmp, { recursive: true, force: true });
});

/** Makes `name` in `parents` with a `sleep` in it; returns the sleeper. */
function cgroupWithSleeper(name: string, parents: CgroupHierarchy[]): ChildProcess {
  const dirs = parents.map((h) => join(h.parent, name));
  for (const dir of dirs) mkdirSync(dir);
  const launcher = hostSupport().launcher as Launcher;
  const run = launcher.wrap(
    { file: '/bin/sleep', args: ['300'], env: {} },
    { cgroupFiles: dirs.map((d) => join(d, 'cgroup.procs')), injectionGuard: false },
  );
  const child = spawn(run.file, run.args, { env: run.env, stdio: 'ignore', detached: true });
  children.push(child);
  return child;
}

const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

it.runIf(hierarchies.length === 3)('reaps the cgroups and dirs of dead owners only', async () => {
  const live = ownerTag() as string;
  const deadV1 = cgroupName(deadTag);
  const deadV2 = cgroupName(deadTag);
  const liveName = cgroupName(live);
  const v1Sleeper = cgroupWithSleeper(deadV1, [freezer as CgroupHierarchy, pids as CgroupHierarchy]);
  const v2Sleeper = cgroupWithSleeper(deadV2, [v2 as CgroupHierarchy]);
  const liveSleeper = cgroupWithSleeper(liveName, [v2 as CgroupHierarchy]);
  const tmuxEmptyDead = persistentCgroupName(deadTag);
  mkdirSync(join((v2 as CgroupHierarchy).parent, tmuxEmptyDead));
  const tmuxEmptyLive = persistentCgroupName(live);
  mkdirSync(join((v2 as CgroupHierarchy).parent, tmuxEmptyLive));
  const tmuxBusy = persistentCgroupName(deadTag);
  const tmuxSleeper = cgroupWithSleeper(tmuxBusy, [v2 as CgroupHierarchy]);
  // The sleepers have joined once their cgroups list them.
  const joined = (name: string, h: CgroupHierarchy) =>
    readFileSync(join(h.parent, name, 'cgroup.procs'), 'utf8').trim() !== '';
  expect(
    await eventually(
      () => joined(deadV1, freezer as CgroupHierarchy) && joined(deadV2, v2 as CgroupHierarchy),
    ),
  ).toBe(true);
  expect(
    await eventually(
      () => joined(liveName, v2 as CgroupHierarchy) && joined(tmuxBusy, v2 as CgroupHierarchy),
    ),
  ).toBe(true);

  const dirOf = (name: string, owner?: string) => {
    const dir = join(tmp, name);
    mkdirSync(dir);
    if (owner) writeFileSync(join(dir, OWNER_FILE), owner);
    return dir;
  };
  const deadDir = dirOf('orchflow-sh-dead', deadTag);
  const liveDir = dirOf('orchflow-sh-live', live);
  const tmuxDir = dirOf('orchflow-sh-tmux');
  const otherDir = dirOf('not-orchflow', deadTag);

  const report = await reapLeftovers({ hierarchies, tmpDir: tmp });

  expect(report.killed.sort()).toEqual([v1Sleeper.pid, v2Sleeper.pid].sort());
  expect(report.cgroups.sort()).toEqual(
    [
      join((freezer as CgroupHierarchy).parent, deadV1),
      join((pids as CgroupHierarchy).parent, deadV1),
      join((v2 as CgroupHierarchy).parent, deadV2),
      join((v2 as CgroupHierarchy).parent, tmuxEmptyDead),
    ].sort(),
  );
  expect(report.dirs).toEqual([deadDir]);
  expect(await eventually(() => !running(v1Sleeper) && !running(v2Sleeper))).toBe(true);
  expect(running(liveSleeper)).toBe(true);
  expect(running(tmuxSleeper)).toBe(true);
  for (const name of [liveName, tmuxEmptyLive, tmuxBusy]) {
    expect(existsSync(join((v2 as CgroupHierarchy).parent, name))).toBe(true);
  }
  for (const dir of [liveDir, tmuxDir, otherDir]) expect(existsSync(dir)).toBe(true);

  // Cleanup: what is left must go before the test cgroups can.
  for (const child of [liveSleeper, tmuxSleeper]) child.kill('SIGKILL');
  await eventually(() => !running(liveSleeper) && !running(tmuxSleeper));
  for (const name of [liveName, tmuxEmptyLive, tmuxBusy]) {
    await eventually(() => rmdirQuietly(join((v2 as CgroupHierarchy).parent, name)));
  }
});
