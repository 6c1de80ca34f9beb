// A terminal-wide memory cap (`LaunchCommand.maxMemoryBytes`, a policy's `maxMemoryMb`): the
// terminal's cgroup gets a directory in the memory hierarchy, with the cap and no swap beyond it,
// which the launcher joins and kill() removes. Without a memory hierarchy the terminal starts,
// with one warning (each process keeps its RLIMIT_AS). The cap's effect on real processes is
// tested in @orchflow/security's sandbox-escape.test.ts.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { CgroupHierarchy } from '../src/containment/cgroup-fs';
import { Containment } from '../src/containment/containment';
import {
  CONTAINMENT_ENV,
  type ContainmentPreference,
  candidatePlans,
  hostSupport,
} from '../src/containment/host';
import { Terminal } from '../src/terminal';
import { orchflowCgroupDirs } from './containment-helpers';

const CAP = 64 * 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'orchflow-memcap-'));

afterEach(() => {
  vi.restoreAllMocks();
  delete process.env[CONTAINMENT_ENV];
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('memory hierarchy of a cgroup plan', () => {
  const h = (version: 1 | 2, controllers: string[], parent: string): CgroupHierarchy => ({
    version,
    controllers,
    parent,
  });
  const freezer = h(1, ['freezer'], '/f');
  const v1memory = h(1, ['memory'], '/m');

  it('is the v2 hierarchy when memory is enabled there, else the v1 memory one', () => {
    const memoryOf = (hs: CgroupHierarchy[]) => candidatePlans(hs, 'auto').map((p) => p.memory?.parent);
    expect(memoryOf([h(2, ['memory', 'pids'], '/u'), freezer])).toEqual(['/u', undefined]);
    expect(memoryOf([h(2, ['pids'], '/u'), freezer, v1memory])).toEqual(['/m', '/m']);
    expect(memoryOf([freezer])).toEqual([undefined]);
  });
});

const kinds = (['cgroup-v2', 'cgroup-v1'] as ContainmentPreference[]).filter(
  (preference) => hostSupport(preference).cgroups?.memory !== undefined,
);

describe.each(kinds)('with %s containment and a memory hierarchy', (preference) => {
  it('caps the terminal in its own memory cgroup and removes it with the terminal', async () => {
    process.env[CONTAINMENT_ENV] = preference;
    const t = await Terminal.spawn({
      shell: 'bash',
      cwd: dir,
      launch: { wrap: (target) => ({ ...target, maxMemoryBytes: CAP }) },
    });
    const memory = hostSupport(preference).cgroups?.memory as CgroupHierarchy;
    const own = orchflowCgroupDirs(t.pid).find((d) => d.startsWith(`${memory.parent}/`)) as string;
    try {
      expect(own).toBeDefined();
      const limit = memory.version === 2 ? 'memory.max' : 'memory.limit_in_bytes';
      expect(Number(readFileSync(join(own, limit), 'utf8'))).toBe(CAP);
      // A child of the shell is in it too.
      const r = await t.execute(`cat /proc/self/cgroup`);
      expect(r.stdout).toContain(own.slice(memory.parent.length));
    } finally {
      await t.kill();
    }
    expect(existsSync(own)).toBe(false);
  });
});

describe('without a memory hierarchy', () => {
  it('starts with a warning, once', async () => {
    const real = hostSupport();
    const host = real.cgroups ? { ...real, cgroups: { ...real.cgroups, memory: undefined } } : real;
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const containments = [Containment.create({}, host), Containment.create({}, host)];
    try {
      for (const c of containments) {
        const run = c.wrap({ file: '/bin/sh', args: [], env: {}, maxMemoryBytes: CAP });
        expect([run.file, ...run.args]).toContain('/bin/sh');
      }
      const messages = warn.mock.calls.map(([m]) => String(m)).filter((m) => m.includes('maxMemoryMb'));
      expect(messages).toHaveLength(1);
      expect(messages[0]).toContain('caps each process only');
    } finally {
      await Promise.all(containments.map((c) => c.destroy()));
    }
  });
});
