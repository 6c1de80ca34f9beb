// A tmux pane runs its shell through orchflow's launcher too: no fd of anyone else, TIOCSTI
// denied, and a cgroup of its own. That cgroup is persistent (named without an owner), because
// a pane outlives the orchestrator that made it: a restarted orchestrator must not reap it while
// the pane runs. Killing the session still takes every process the pane started.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { Terminal } from '@orchflow/terminal';
import { afterAll, afterEach, expect, it } from 'vitest';
import { TmuxBackend } from '../src/index';
import { alive } from './conformance';

const socketName = `orchflow-contain-${process.pid}`;
let backend: TmuxBackend | undefined;

afterEach(async () => {
  await backend?.dispose();
});

afterAll(() => {
  spawnSync('tmux', ['-L', socketName, 'kill-server']);
});

function sleepers(duration: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        return readFileSync(`/proc/${name}/cmdline`, 'utf8') === `sleep\0${duration}\0`;
      } catch {
        return false;
      }
    })
    .map(Number)
    .filter(alive);
}

it('a pane holds only its tty, is under the seccomp filter, and takes escaped processes along when killed', async () => {
  backend = new TmuxBackend({ socketName });
  const session = await backend.createSession({ id: 'contained', agentId: 'a' });
  expect((await session.execute('ls /proc/$$/fd | tr "\\n" " "; echo')).stdout).toBe('0 1 2 255 \n');
  expect((await session.execute(`grep -E '^Seccomp:' /proc/self/status | tr -d '\\t'`)).stdout).toBe(
    'Seccomp:2\n',
  );
  const cgroups = (await session.execute('cat /proc/$$/cgroup')).stdout;
  expect(cgroups).toMatch(/\/orchflow-p-\d+-\d+-[0-9a-f]{12}$/m);
  const duration = `${6000 + (process.pid % 1000)}.${Date.now() % 100000}`;
  await session.execute(`setsid -f sleep ${duration} >/dev/null 2>&1 </dev/null`);
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(sleepers(duration)).toHaveLength(1);
  await backend.killSession('contained');
  expect(sleepers(duration)).toEqual([]);
}, 60_000);

it('a pane adopted by a later backend is still killed with everything it started', async () => {
  const first = new TmuxBackend({ socketName });
  await first.createSession({ id: 'handed-over', agentId: 'a' });
  const session = await first.attach('handed-over');
  const duration = `${7000 + (process.pid % 1000)}.${Date.now() % 100000}`;
  await session.execute(`setsid -f sleep ${duration} >/dev/null 2>&1 </dev/null`);
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(sleepers(duration)).toHaveLength(1);
  // An upgrade hand-over: the first backend lets go, the pane keeps running.
  await first.detach();
  backend = new TmuxBackend({ socketName, adopt: true });
  expect((await backend.listSessions()).map((s) => s.id)).toContain('handed-over');
  await backend.killSession('handed-over');
  expect(sleepers(duration)).toEqual([]);
}, 60_000);

it('the tmux server it starts holds no PTY master of this process’s direct terminals', async () => {
  const direct = await Promise.all([Terminal.spawn(), Terminal.spawn(), Terminal.spawn()]);
  try {
    const socket = `${socketName}-fds`;
    backend = new TmuxBackend({ socketName: socket });
    await backend.createSession({ id: 'fds', agentId: 'a' });
    const tmux = (...args: string[]) =>
      spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' }).stdout.trim();
    const server = Number(tmux('display-message', '-p', '#{pid}'));
    // A window linked into two sessions is listed twice.
    const panes = new Set(tmux('list-panes', '-a', '-F', '#{pane_id}').split('\n').filter(Boolean)).size;
    const masters = readdirSync(`/proc/${server}/fd`).filter((fd) => {
      try {
        return readlinkSync(`/proc/${server}/fd/${fd}`) === '/dev/ptmx';
      } catch {
        return false;
      }
    });
    // One master per pane of its own, none of the three direct terminals'.
    expect(masters).toHaveLength(panes);
    await backend.dispose();
    backend = undefined;
    spawnSync('tmux', ['-L', socket, 'kill-server']);
  } finally {
    await Promise.all(direct.map((t) => t.kill()));
  }
}, 60_000);
