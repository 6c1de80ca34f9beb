import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import * as pty from 'node-pty';
import { afterEach, describe, expect, it } from 'vitest';
import { isDead, parseProcStat, readProcStat } from '../src/process/procfs';
import {
  foregroundProcessGroup,
  killProcessTree,
  listProcessTree,
  processStartTime,
} from '../src/process/tree';

const children: ChildProcess[] = [];

function start(script: string, detached = false): ChildProcess {
  const child = spawn('bash', ['-c', script], { stdio: 'ignore', detached });
  children.push(child);
  return child;
}

async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

function alive(pid: number): boolean {
  const info = readProcStat(pid);
  return info !== undefined && !isDead(info);
}

afterEach(() => {
  for (const child of children.splice(0)) {
    if (child.pid !== undefined) {
      for (const p of listProcessTree(child.pid)) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {}
      }
    }
  }
});

describe('parseProcStat', () => {
  it('finds fields after a comm containing spaces and parentheses', () => {
    const info = parseProcStat(
      '4242 (a b) (c)) S 1 4242 4242 34816 4300 4194560 0 0 0 0 7 3 0 0 20 0 1 0 999 1000 55 0\n',
    );
    expect(info).toMatchObject({
      pid: 4242,
      comm: 'a b) (c)',
      state: 'S',
      ppid: 1,
      pgid: 4242,
      sid: 4242,
    });
    expect(info).toMatchObject({
      tpgid: 4300,
      utime: 7,
      stime: 3,
      startTime: 999,
      rssPages: 55,
    });
  });

  it('reads what splitting the fields reads, for every process here, and rejects short lines', () => {
    // The field-splitting parser it replaced, as the reference.
    const bySplit = (text: string) => {
      const open = text.indexOf('(');
      const close = text.lastIndexOf(')');
      const rest = text
        .slice(close + 1)
        .trim()
        .split(/\s+/);
      if (rest.length < 22) return undefined;
      const num = (field: number) => Number(rest[field - 3]);
      return {
        pid: Number(text.slice(0, open).trim()),
        ppid: num(4),
        pgid: num(5),
        sid: num(6),
        tpgid: num(8),
        state: rest[0],
        comm: text.slice(open + 1, close),
        utime: num(14),
        stime: num(15),
        startTime: num(22),
        rssPages: num(24),
      };
    };
    let compared = 0;
    for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
      let text: string;
      try {
        text = readFileSync(`/proc/${name}/stat`, 'utf8');
      } catch {
        continue; // gone meanwhile
      }
      expect(parseProcStat(text)).toEqual(bySplit(text));
      compared++;
    }
    expect(compared).toBeGreaterThan(0);
    const line = '7 (x) S 1 7 7 0 -1 4194560 0 0 0 0 7 3 0 0 20 0 1 0 999 1000 55 0\n';
    expect(parseProcStat(line)).toEqual(bySplit(line));
    expect(parseProcStat(line)?.tpgid).toBe(-1);
    for (let end = line.indexOf(')') + 1; end <= line.indexOf(' 55 ') + 1; end++) {
      expect({ end, info: parseProcStat(line.slice(0, end)) }).toEqual({ end, info: undefined });
    }
    expect(parseProcStat(line.slice(0, line.indexOf(' 55 ') + 3))?.rssPages).toBe(55);
  });

  it('reads a real process whose executable name has spaces and parentheses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchflow-comm-'));
    try {
      const odd = join(dir, 'x) (y z');
      symlinkSync('/bin/sleep', odd);
      const child = spawn(odd, ['100'], { stdio: 'ignore' });
      children.push(child);
      const info = await waitFor(() => {
        const s = readProcStat(child.pid as number);
        return s?.comm === 'x) (y z' ? s : undefined;
      }, 'comm');
      expect(info.ppid).toBe(process.pid);
      // Running, sleeping, or in an uninterruptible wait (still loading its pages): one state
      // letter, read from after the odd name.
      expect(info.state).toMatch(/^[RSD]$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('listProcessTree', () => {
  it('lists the root and its children', async () => {
    const child = start('sleep 100 & sleep 100 & wait');
    // Until a forked child has exec'd, it still shows up as bash.
    const tree = await waitFor(() => {
      const t = listProcessTree(child.pid as number);
      return t.filter((p) => p.comm === 'sleep').length === 2 ? t : undefined;
    }, 'two sleeps');
    expect(tree[0]?.pid).toBe(child.pid);
    expect(tree.slice(1).map((p) => p.comm)).toEqual(['sleep', 'sleep']);
  });

  it('includes orphans that stayed in the root session', async () => {
    // The subshell forks sleep and exits, so that sleep is reparented away from the root.
    const child = start('(sleep 100 &); sleep 100', true);
    // Until the subshell has exited and the forked child has exec'd, the child is a `bash` whose
    // parent is still in the tree: wait for a `sleep` whose parent is gone from it.
    const orphan = await waitFor(() => {
      const tree = listProcessTree(child.pid as number);
      const inTree = new Set(tree.map((p) => p.pid));
      return tree.find((p) => p.comm === 'sleep' && !inTree.has(p.ppid));
    }, 'orphaned sleep');
    expect(orphan.sid).toBe(child.pid);
    expect(orphan.comm).toBe('sleep');
  });

  it('is empty for a pid that does not exist', () => {
    expect(listProcessTree(2 ** 22 + 1)).toEqual([]);
  });
});

describe('killProcessTree', () => {
  it('leaves no process of the tree alive', async () => {
    const child = start('sleep 100 & sleep 100 & wait');
    const pids = await waitFor(() => {
      const t = listProcessTree(child.pid as number);
      return t.length === 3 ? t.map((p) => p.pid) : undefined;
    }, 'three processes');
    await killProcessTree(child.pid as number);
    expect(pids.filter(alive)).toEqual([]);
  });

  it('SIGKILLs a process that ignores SIGTERM after the grace period', async () => {
    const child = start("trap '' TERM; sleep 100 & wait; sleep 100");
    const pids = await waitFor(() => {
      const t = listProcessTree(child.pid as number);
      return t.length === 2 ? t.map((p) => p.pid) : undefined;
    }, 'two processes');
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, sig) => resolve(sig)),
    );
    const started = Date.now();
    await killProcessTree(child.pid as number, { graceMs: 300 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(pids.filter(alive)).toEqual([]);
    expect(await exited).toBe('SIGKILL');
  });

  it('catches processes forked while the tree is being killed', async () => {
    const child = start("trap 'sleep 100 & sleep 100 & wait' TERM; sleep 100 & wait");
    await waitFor(() => (listProcessTree(child.pid as number).length === 2 ? true : undefined), 'sleep');
    const seen = new Set<number>();
    const watcher = setInterval(() => {
      for (const p of listProcessTree(child.pid as number)) seen.add(p.pid);
    }, 5);
    await killProcessTree(child.pid as number, { graceMs: 500 });
    clearInterval(watcher);
    expect([...seen].filter(alive)).toEqual([]);
  });
});

describe('pid reuse', () => {
  it('leaves alone a process whose start time does not match the root', async () => {
    const child = start('sleep 100 & wait', true);
    await waitFor(() => (listProcessTree(child.pid as number).length === 2 ? true : undefined), 'sleep');
    const startTime = processStartTime(child.pid as number) as number;
    expect(listProcessTree(child.pid as number, startTime)).toHaveLength(2);
    // As if the recorded root had died and its pid been reused by this (unrelated) process.
    expect(listProcessTree(child.pid as number, startTime - 1)).toEqual([]);
    await killProcessTree(child.pid as number, { rootStartTime: startTime - 1, graceMs: 0 });
    expect(alive(child.pid as number)).toBe(true);
    await killProcessTree(child.pid as number, { rootStartTime: startTime, graceMs: 0 });
    expect(alive(child.pid as number)).toBe(false);
  });
});

describe('foregroundProcessGroup', () => {
  it('is the PTY foreground group, and undefined without a terminal', async () => {
    const term = pty.spawn('bash', ['-c', 'sleep 100'], { cols: 80, rows: 24 });
    try {
      const fg = await waitFor(() => foregroundProcessGroup(term.pid), 'tpgid');
      expect(fg).toBe(term.pid);
    } finally {
      await killProcessTree(term.pid, { graceMs: 200 });
    }
    const child = start('sleep 100');
    expect(foregroundProcessGroup(child.pid as number)).toBeUndefined();
  });
});
