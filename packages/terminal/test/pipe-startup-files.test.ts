// Scripted mode starts its shells the way PTY terminals do: without the user's startup files.
// bash reads ~/.bashrc even for `bash -c` when stdin is a socket (what Node gives a child) and
// SHLVL says it is a top-level shell; zsh reads ~/.zshenv always. A slow or blocking rc (pyenv's
// rehash lock waits up to 60 s) would otherwise hold every command.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Terminal } from '../src/terminal';

const RC_FILES = ['.bashrc', '.zshenv', '.zshrc', '.profile'];
const homes: string[] = [];
afterAll(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

/** A home directory whose every startup file leaves a trace when it runs. */
function tracingHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'orchflow-home-'));
  homes.push(home);
  for (const rc of RC_FILES) writeFileSync(join(home, rc), `touch "$HOME/ran${rc}"\n`);
  return home;
}

it.each(['bash', 'zsh', 'sh'] as const)('%s -c runs without the user startup files', async (shell) => {
  const home = tracingHome();
  // SHLVL 0: a top-level shell, as under a runner that clears the environment (turbo does).
  const t = await Terminal.spawn({ mode: 'scripted', shell, cwd: home, env: { HOME: home, SHLVL: '0' } });
  try {
    const result = await t.execute('echo "$HOME"', { timeoutMs: 30_000 });
    expect(result).toMatchObject({ exitCode: 0, stdout: `${home}\n` });
    for (const rc of ['.bashrc', '.zshenv', '.zshrc', '.profile'])
      expect(existsSync(join(home, `ran${rc}`))).toBe(false);
  } finally {
    await t.kill();
  }
});
