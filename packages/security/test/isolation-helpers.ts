// Shared setup of the isolation tests: a terminal under a given isolation spec, a loopback HTTP
// server outside any namespace, and whether this host can enforce a process limit.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostContainment, listProcessTree, type ProcInfo, Terminal } from '@orchflow/terminal';
import { afterAll } from 'vitest';
import { createLaunchWrapper } from '../src/isolation/launch';
import { isRoot } from '../src/isolation/limits';
import type { IsolationSpec } from '../src/isolation/types';

// Workspaces made while a test file runs, removed after its last test (its terminals are gone
// by then: this hook, registered when the file imports this module, runs after the file's own).
const workspaces: string[] = [];
afterAll(() => {
  for (const dir of workspaces.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh workspace directory, removed after the test file. */
export function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'orchflow-iso-'));
  workspaces.push(dir);
  return dir;
}

/**
 * A fresh directory outside every directory a sandbox hides as a whole (/tmp, /var/tmp, /home,
 * /run): /var/lib where this user may write there (root), else the host's /dev/shm.
 */
export function unhiddenDir(prefix: string): string {
  for (const base of ['/var/lib', '/dev/shm']) {
    try {
      return mkdtempSync(join(base, prefix));
    } catch {
      // Not writable for this user: try the next one.
    }
  }
  throw new Error(`no writable directory outside the sandbox's hidden ones for ${prefix}`);
}

/** A terminal whose shell runs under `spec` (cwd = the spec's workspace). */
export function isolatedTerminal(
  spec: Partial<IsolationSpec> & Pick<IsolationSpec, 'level'>,
  scripted = false,
): Promise<Terminal> {
  const full: IsolationSpec = {
    limits: {},
    network: true,
    workspace: workspace(),
    forbiddenPaths: [],
    ...spec,
  };
  return Terminal.spawn({
    cwd: full.workspace,
    mode: scripted ? 'scripted' : 'interactive',
    env: { ORCHFLOW_TEST_SECRET_OK: 'kept' },
    launch: createLaunchWrapper({ ...full, keepEnv: ['ORCHFLOW_TEST_SECRET_OK'] }, { pty: !scripted }),
  });
}

/** An HTTP server on 127.0.0.1 answering `pong`; dispose with `await using`. */
export async function loopbackServer(): Promise<{ port: number } & AsyncDisposable> {
  const server = createServer((_req, res) => res.end('pong'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** True when maxProcesses can be enforced here (non-root: RLIMIT_NPROC; root: a pids cgroup). */
export const canLimitProcesses = !isRoot() || hostContainment().taskLimit;

/**
 * Processes named `comm` still alive in `rootPid`'s tree once SIGKILL has had time to land: a
 * timeout SIGKILLs the interrupted group when the command settles, and delivery is asynchronous.
 */
export async function survivors(rootPid: number, comm: string, waitMs = 2_000): Promise<ProcInfo[]> {
  const alive = () => listProcessTree(rootPid).filter((p) => p.comm === comm && p.state !== 'Z');
  for (let waited = 0; alive().length > 0 && waited < waitMs; waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return alive();
}
