// Escape routes out of a `sandbox` terminal, tried for real from inside (orchflow runs as root
// here and in CI; the sandbox then runs as an unprivileged user, see sandbox-user.test.ts, and
// these covers are the second line behind that uid): sysctls and other procfs knobs,
// /sys, what /proc/1/cmdline shows, Unix sockets in /var/tmp, tmpfs fills, the memory of the
// whole terminal, and a nested user namespace trying to undo the covers. No probe can change the
// host: a sysctl is only ever written with the value it already has, /proc/sysrq-trigger is only
// tested for access, never written.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { hostContainment, type Terminal } from '@orchflow/terminal';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { SANDBOX_MASKED_PROC, SANDBOX_READ_ONLY_PROC } from '../src/isolation/sandbox-kernel';
import { findExecutable } from '../src/isolation/tools';
import { isolatedTerminal, unhiddenDir, workspace } from './isolation-helpers';

const hasBwrap = findExecutable('bwrap') !== undefined;
const inCi = Boolean(process.env.CI);

/** Sysctls written with their own current value (harmless had the write gone through). */
const SYSCTLS = ['/proc/sys/kernel/core_pattern', '/proc/sys/vm/swappiness'];

describe.skipIf(!hasBwrap && !inCi)('sandbox escape routes', () => {
  let shared: Terminal;
  let ws: string;
  let home: string;
  let secret: string;

  beforeAll(async () => {
    ws = workspace();
    home = unhiddenDir('orchflow-escape-home-');
    secret = mkdtempSync(join(ws, '..', 'orchflow-escape-secret-'));
    shared = await isolatedTerminal({ level: 'sandbox', workspace: ws, home, forbiddenPaths: [secret] });
  });
  afterAll(async () => {
    await shared?.kill();
    for (const dir of [ws, home, secret]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('cannot write a sysctl, not even its current value', async () => {
    const present = SYSCTLS.filter((f) => findReadable(f));
    expect(present).toContain('/proc/sys/kernel/core_pattern');
    const before = present.map((f) => readFileSync(f, 'utf8'));
    const script = present
      .map((f) => `v=$(cat ${f}); { printf '%s\\n' "$v" > ${f}; } 2>/dev/null; echo "${f}=$?"`)
      .join('; ');
    const r = await shared.execute(script);
    // 1: the shell could not open the file for writing (read-only file system).
    expect(r.stdout).toBe(present.map((f) => `${f}=1\n`).join(''));
    expect(present.map((f) => readFileSync(f, 'utf8'))).toEqual(before);
  });

  it('has no writable global procfs file: knobs are read-only, host state masked', async () => {
    // Per-process entries are the sandbox's own; PSI triggers (/proc/pressure) are open to any
    // user; the masked files are /dev/null on a nodev mount (mode 0666, but no open succeeds).
    const skip = ['/proc/pressure/', ...SANDBOX_MASKED_PROC.map((n) => `/proc/${n}$`)];
    const masked = SANDBOX_MASKED_PROC.map((n) => `/proc/${n}`).join(' ');
    const r = await shared.execute(
      [
        `find /proc -mindepth 1 -maxdepth 4 \\( -regex '/proc/[0-9].*' -o -path /proc/self -o -path /proc/thread-self \\) -prune -o -writable -print 2>/dev/null | grep -v -e '${skip.join("' -e '")}' | head -20`,
        'echo "--"',
        `for e in ${SANDBOX_READ_ONLY_PROC.map((n) => `/proc/${n}`).join(' ')}; do [ -e $e ] && { [ -w $e ] && echo "writable $e" || echo "ro $e"; }; done`,
        // Writing the masked files is harmless either way: they are read-only (0444) in procfs.
        `for e in ${masked}; do [ -e $e ] && { : > $e; } 2>/dev/null && echo "opened $e"; [ -e $e ] && cat $e 2>/dev/null | head -c 1; done`,
      ].join('; '),
    );
    const [writable, entries] = r.stdout.split('--\n') as [string, string];
    expect(writable.trim()).toBe('');
    // Where the kernel has /proc/sysrq-trigger (not every one does), the loop checked it too.
    expect(entries).toContain('ro /proc/sys\n');
    expect(entries.split('\n').filter((line) => line && !line.startsWith('ro /proc/'))).toEqual([]);
  });

  it('shows an empty, read-only /sys: no host NICs or sysfs knobs', async () => {
    const r = await shared.execute(
      'ls -A /sys | wc -l; test -e /sys/class/net; echo "net=$?"; touch /sys/x 2>/dev/null; echo "touch=$?"',
    );
    expect(r.stdout).toBe('0\nnet=1\ntouch=1\n');
  });

  it('runs the shell as PID 1: /proc/1/cmdline shows no bubblewrap argv or host path', async () => {
    const r = await shared.execute(`echo "pid=$$"; tr '\\0' ' ' < /proc/1/cmdline; echo`);
    expect(r.stdout).toMatch(/^pid=1$/m);
    const cmdline = r.stdout.split('\n')[1] ?? '';
    expect(cmdline).toMatch(/bash/);
    for (const leak of ['bwrap', '--ro-bind', '--tmpfs', ws, home, secret])
      expect(cmdline).not.toContain(leak);
  });

  it('hides Unix sockets in /var/tmp, and keeps /dev read-only', async () => {
    const dir = mkdtempSync('/var/tmp/orchflow-sock-');
    const path = join(dir, 'agent.sock');
    const server = createServer((s) => s.end('reached'));
    await new Promise<void>((resolve) => server.listen(path, resolve));
    onTestFinished(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    });
    const r = await shared.execute(
      `test -S ${path}; echo "sock=$?"; ls -A /var/tmp | wc -l; touch /dev/x 2>/dev/null; echo "dev=$?"`,
    );
    expect(r.stdout).toBe('sock=1\n0\ndev=1\n');
  });

  it('still runs everyday tools: bash, coreutils, git, python3 (with /dev/shm locks), node', async () => {
    const r = await shared.execute(
      [
        `bash -c 'echo bash-ok'`,
        'printf "b\\na\\n" | sort | head -1',
        'nproc >/dev/null && echo nproc-ok',
        'git --version >/dev/null && git init -q g && git -C g -c user.name=a -c user.email=a@b commit -q --allow-empty -m x && git -C g log --oneline | wc -l',
        `python3 -c 'import multiprocessing as m, os; m.Lock(); print("py", os.cpu_count() > 0)'`,
        `node -e 'console.log("node", require("os").cpus().length > 0)'`,
      ].join('; '),
      { timeoutMs: 60_000 },
    );
    expect(r.stdout).toBe('bash-ok\na\nnproc-ok\n1\npy True\nnode true\n');
  });

  it('cannot undo the covers from a nested user namespace', async () => {
    // With every capability in a new user namespace, the kernel's locks on inherited mounts must
    // refuse unmounting or remounting the covers and mounting a fresh procfs or sysfs.
    const probe = `
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
if libc.unshare(0x10000000 | 0x20000 | 0x40000000) != 0:
    print("no-userns")
for target in (b"/proc/sys", b"/sys", b"/dev", b"/proc"):
    print("umount", target.decode(), libc.umount2(target, 2))
print("remount", libc.mount(None, b"/proc/sys", None, 32 | 4096, None))
print("sysfs", libc.mount(b"none", b"/mnt", b"sysfs", 0, None))
print("core", os.access("/proc/sys/kernel/core_pattern", os.W_OK))
`;
    const r = await shared.execute(`python3 - <<'EOF'\n${probe}\nEOF`);
    expect(r.stdout).toMatch(/^sysfs -1$/m);
    expect(r.stdout).not.toMatch(/ 0$/m);
    expect(r.stdout).toContain('core False');
    if (!r.stdout.includes('no-userns')) {
      const fresh = await shared.execute(`python3 - <<'EOF'
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.unshare(0x10000000 | 0x20000)
if os.fork() == 0:
    libc.unshare(0x20000000)
    if os.fork() == 0:
        print("proc", libc.mount(b"proc", b"/mnt", b"proc", 0, None))
        os._exit(0)
    os.wait()
    os._exit(0)
os.wait()
EOF`);
      expect(fresh.stdout).toBe('proc -1\n');
    }
  });
});

describe.skipIf(!hasBwrap && !inCi)('sandbox aggregate limits', () => {
  let term: Terminal | undefined;
  afterEach(async () => {
    await term?.kill();
    term = undefined;
  });

  it('stops a 600 MB write to /tmp at the default 512 MiB tmpfs size', async () => {
    term = await isolatedTerminal({ level: 'sandbox' });
    const r = await term.execute(
      'head -c 600M /dev/zero > /tmp/fill 2>/dev/null; echo "rc=$?"; du -m /tmp/fill | cut -f1; rm -f /tmp/fill',
      { timeoutMs: 60_000 },
    );
    expect(r.stdout).toMatch(/^rc=[1-9]/m);
    expect(Number(r.stdout.split('\n')[1])).toBeLessThanOrEqual(512);
  });

  it('sizes every private tmpfs by maxTmpfsMb', async () => {
    term = await isolatedTerminal({ level: 'sandbox', limits: { maxTmpfsMb: 8 } });
    const r = await term.execute('df -k --output=size /tmp /var/tmp /dev/shm /home /run | tail -n +2');
    expect(r.stdout.split('\n').filter(Boolean).map(Number)).toEqual([8192, 8192, 8192, 8192, 8192]);
  });

  // The review ran six 700 MB processes at once: the terminal-wide cap must hold at `process`
  // (no sandbox, no private /tmp: the marker lives in the workspace) as well as at `sandbox`.
  it.runIf(hostContainment().memoryLimit).each(['process', 'sandbox'] as const)(
    'caps the memory of the whole terminal, not only of each process (%s)',
    async (level) => {
      // Two processes of 150 MiB each fit RLIMIT_AS (256 MiB) one by one but not the cgroup
      // together: the holder volunteers as the OOM victim (oom_score_adj 1000), the second one
      // then finishes. Without a terminal-wide cap the holder lives until it is sent SIGTERM.
      term = await isolatedTerminal({ level, limits: { maxMemoryMb: 256 } });
      const hold = `python3 -c 'import os, time
open("/proc/self/oom_score_adj", "w").write("1000")
b = bytearray(150 << 20)
b[::4096] = b"x" * len(b[::4096])
open("held", "w").close()
time.sleep(60)'`;
      const second = `python3 -c 'import os, time
while not os.path.exists("held"): time.sleep(0.05)
b = bytearray(150 << 20)
b[::4096] = b"x" * len(b[::4096])
print("second ok")'`;
      const r = await term.execute(
        `${hold} & h=$!; ${second}; kill $h 2>/dev/null; wait $h; echo "holder=$?"`,
        { timeoutMs: 90_000 },
      );
      expect(r.stdout).toContain('second ok');
      // 137: SIGKILL from the OOM killer; 143 would be our SIGTERM.
      expect(r.stdout).toContain('holder=137');
    },
  );
});

function findReadable(path: string): boolean {
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}
