// Adoption: an orchestrator process on TmuxBackend is killed with SIGKILL; a new Orchestrator
// with `adopt: true` finds its terminal under the same id and agent, with the scrollback restored,
// and runs commands in the same shell (its stored config may carry keys this version does not know).
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Orchestrator } from '@orchflow/core';
import { afterAll, expect, it } from 'vitest';
import { TmuxBackend, tmuxSessionName } from '../src/index';
import { META_OPTION } from '../src/tmux/session-meta';
import { alive } from './conformance';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const socketName = `orchflow-adopt-${process.pid}`;

afterAll(() => {
  spawnSync('tmux', ['-L', socketName, 'kill-server']);
});

it('adopts the terminals of an orchestrator killed with SIGKILL, scrollback and shell state intact', async () => {
  // One node process with tsx as a loader (the tsx CLI would run the script in a second process,
  // which SIGKILL would leave running, still attached).
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child = spawn(process.execPath, ['--import', tsx, join(here, 'tmux-adopt-child.ts'), socketName], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.base.json') },
  });
  const lines = createInterface({ input: child.stdout });
  // Fail at once if the child cannot start (e.g. tsx missing) instead of waiting for a line.
  const [line] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'error').then(([error]) => Promise.reject(error)),
  ])) as [string];
  lines.close();
  const { id, pid } = JSON.parse(line) as { id: string; pid: number };
  child.kill('SIGKILL');
  await once(child, 'exit');
  expect(alive(pid)).toBe(true);
  const sessions = spawnSync('tmux', ['-L', socketName, 'list-sessions', '-F', '#{session_name}'], {
    encoding: 'utf8',
  });
  expect(sessions.stdout.split('\n')).toContain(tmuxSessionName(id));
  // A config key this version does not know (as one written by a newer orchflow) is dropped on
  // adoption, not a reason to leave the session behind.
  const target = tmuxSessionName(id);
  const stored = spawnSync('tmux', ['-L', socketName, 'show-options', '-v', '-t', target, META_OPTION], {
    encoding: 'utf8',
  }).stdout.trim();
  const meta = JSON.parse(Buffer.from(stored, 'base64url').toString('utf8'));
  meta.config.optionFromANewerVersion = true;
  const rewritten = Buffer.from(JSON.stringify(meta), 'utf8').toString('base64url');
  expect(
    spawnSync('tmux', ['-L', socketName, 'set-option', '-t', target, META_OPTION, rewritten]).status,
  ).toBe(0);

  const orch = Orchestrator.builder()
    .withBackend(new TmuxBackend({ socketName, adopt: true }))
    .build();
  try {
    await orch.ready();
    const list = orch.listTerminals();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id, agentId: 'agent-7', pid, backend: 'tmux', state: 'running' });
    const restored = orch.read(id, { maxBytes: 1024 * 1024 }).data;
    expect(restored).toContain('line-1\r\n');
    expect(restored).toContain('line-3000\r\n');
    for (let i = 1; i <= 3000; i += 499) expect(restored).toContain(`line-${i}\r\n`);
    const mark = await orch.execute(id, 'echo "$MARK from $(pwd)"');
    expect(mark).toMatchObject({ stdout: 'kept from /tmp\n', exitCode: 0 });
    const status = await orch.execute(id, 'false');
    expect(status.exitCode).toBe(1);
    expect(orch.read(id, { fromOffset: mark.outputOffset }).data).toContain('kept from /tmp');
  } finally {
    await orch.shutdown();
  }
  expect(alive(pid)).toBe(false);
}, 120_000);
