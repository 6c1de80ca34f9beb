// No process escapes an orchestrator's terminals: `shutdown()` and `kill()` take every process a
// terminal started, however it detached (before per-terminal cgroups, 3 of 4 of these survived
// shutdown), `metrics` counts them, and `initialize` says which containment this host gives.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Methods, PROTOCOL_VERSION, RpcPeer } from '@orchflow/protocol';
import { CONTAINMENT_ENV, hostContainment } from '@orchflow/terminal';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { connect } from '../src/connect';
import { Orchestrator } from '../src/orchestrator';
import { alive, waitFor } from './helpers';

afterEach(() => {
  delete process.env[CONTAINMENT_ENV];
});

let counter = 0;
/** A sleep duration no other process on the machine uses. */
function duration(): string {
  counter += 1;
  return `${5000 + (process.pid % 1000)}.${counter}${Date.now() % 100000}`;
}

const ESCAPES = [
  (d: string) => `setsid -f sleep ${d} >/dev/null 2>&1 </dev/null`,
  (d: string) => `nohup sleep ${d} >/dev/null 2>&1 </dev/null & disown`,
  (d: string) => `setsid bash -c "sleep ${d} >/dev/null 2>&1 </dev/null & disown"`,
  (d: string) => `( ( sleep ${d} >/dev/null 2>&1 </dev/null & ) & )`,
];

/** Pids of live processes whose argv is exactly `sleep <duration>`. */
function sleepers(d: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        return readFileSync(`/proc/${name}/cmdline`, 'utf8') === `sleep\0${d}\0`;
      } catch {
        return false;
      }
    })
    .map(Number)
    .filter(alive);
}

/** The orchflow cgroup directories of `pid`, under the parents hostContainment() reports. */
function cgroupDirs(pid: number): string[] {
  const names = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
    .split('\n')
    .map((line) => line.slice(line.lastIndexOf('/') + 1))
    .filter((name) => name.startsWith('orchflow-'));
  return hostContainment().cgroupParents.flatMap((parent) =>
    [...new Set(names)].map((name) => `${parent}/${name}`).filter(existsSync),
  );
}

async function startEscapes(orch: Orchestrator, terminalId: string): Promise<number[]> {
  const pids: number[] = [];
  for (const escapeWith of ESCAPES) {
    const d = duration();
    await orch.execute(terminalId, escapeWith(d));
    await waitFor(() => sleepers(d).length === 1, `sleep ${d}`);
    pids.push(...sleepers(d));
  }
  return pids;
}

describe('containment of an orchestrator’s terminals', () => {
  it.runIf(hostContainment().kind === 'cgroup')(
    'shutdown() leaves none of the escaped processes running',
    async () => {
      const orch = new Orchestrator();
      onTestFinished(() => orch.shutdown());
      const terms = [await orch.spawnTerminal('a'), await orch.spawnTerminal('b', { mode: 'scripted' })];
      const pty = orch.terminalInfo(terms[0]?.id as string).pid;
      const dirs = cgroupDirs(pty);
      expect(dirs.length).toBeGreaterThan(0);
      const escaped = await startEscapes(orch, terms[0]?.id as string);
      await orch.shutdown();
      for (const pid of escaped) expect({ pid, alive: alive(pid) }).toEqual({ pid, alive: false });
      for (const dir of dirs) expect(existsSync(dir)).toBe(false);
    },
  );

  it.runIf(hostContainment().kind === 'cgroup')(
    'kill() takes them too, and metrics count them while they run',
    async () => {
      const orch = new Orchestrator();
      onTestFinished(() => orch.shutdown());
      const term = await orch.spawnTerminal('a');
      const escaped = await startEscapes(orch, term.id);
      const processes = (await orch.metrics({ includeProcesses: true })).processes?.[term.id];
      expect(processes?.containment).toBe('cgroup');
      // The shell and every escaped sleeper (a `setsid bash` may still be on its way out).
      expect(processes?.processCount).toBeGreaterThanOrEqual(1 + escaped.length);
      await orch.kill(term.id);
      for (const pid of escaped) expect(alive(pid)).toBe(false);
    },
  );

  it(`with ${CONTAINMENT_ENV}=process-tree, shutdown() still takes the session and tree`, async () => {
    process.env[CONTAINMENT_ENV] = 'process-tree';
    const orch = new Orchestrator();
    onTestFinished(() => orch.shutdown());
    const term = await orch.spawnTerminal('a');
    expect(cgroupDirs(orch.terminalInfo(term.id).pid)).toEqual([]);
    const d = duration();
    await orch.execute(term.id, ESCAPES[1]?.(d) as string);
    await waitFor(() => sleepers(d).length === 1, 'the nohup job');
    const [pid] = sleepers(d);
    const processes = (await orch.metrics({ includeProcesses: true })).processes?.[term.id];
    expect(processes).toMatchObject({ containment: 'process-tree', processCount: 2 });
    await orch.shutdown();
    expect(alive(pid as number)).toBe(false);
  });
});

describe('initialize', () => {
  async function capabilities() {
    const orch = new Orchestrator();
    onTestFinished(() => orch.shutdown());
    const peer = new RpcPeer(connect(orch), { methods: Methods }).start();
    onTestFinished(() => peer.close());
    const init = await peer.request('initialize', {
      protocolVersion: PROTOCOL_VERSION,
      clientInfo: { name: 'test' },
    });
    return init.capabilities;
  }

  it('reports cgroup containment and the TIOCSTI guard on this host', async () => {
    expect(await capabilities()).toMatchObject({ containment: 'cgroup', injectionGuard: true });
  });

  it('reports process-tree containment where no cgroup is used', async () => {
    process.env[CONTAINMENT_ENV] = 'process-tree';
    expect(await capabilities()).toMatchObject({ containment: 'process-tree', injectionGuard: true });
  });
});
