// Shared test setup: a private temp directory per test file, and bash terminals spawned in it that
// are killed after each test; and whether a shell is installed (zsh may not be).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TerminalConfig } from '@orchflow/protocol';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { Terminal } from '../src/terminal';

/** True when `name` is a command this machine has. */
export function hasShell(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Registers the hooks; `dir()` is the temp directory, `spawn()` a bash terminal in it, and
 * `spawnWith()` any terminal (in that directory unless the config says otherwise).
 */
export function terminalFixture(prefix: string): {
  dir: () => string;
  spawn: (mode?: 'interactive' | 'scripted') => Promise<Terminal>;
  spawnWith: (config: TerminalConfig) => Promise<Terminal>;
} {
  let dir = '';
  const spawned: Terminal[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), `orchflow-${prefix}-`));
  });
  afterEach(async () => {
    await Promise.all(spawned.splice(0).map((t) => t.kill()));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const spawnWith = async (config: TerminalConfig): Promise<Terminal> => {
    const t = await Terminal.spawn({ cwd: dir, ...config });
    spawned.push(t);
    return t;
  };
  return {
    dir: () => dir,
    spawn: (mode = 'interactive') => spawnWith({ shell: 'bash', mode }),
    spawnWith,
  };
}
