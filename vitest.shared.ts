// Tests run against src/: each @orchflow/* import (and its ./node subpath) is aliased to the
// package's source, so no build is needed before `vitest`.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineProject, type UserWorkspaceConfig } from 'vitest/config';

const root = dirname(fileURLToPath(import.meta.url));

function sourceAliases(): { find: RegExp; replacement: string }[] {
  const aliases: { find: RegExp; replacement: string }[] = [];
  for (const name of readdirSync(join(root, 'packages'))) {
    const src = join(root, 'packages', name, 'src');
    for (const entry of readdirSync(src).filter((f) => f.endsWith('.ts'))) {
      const sub = entry === 'index.ts' ? '' : `/${entry.slice(0, -3)}`;
      if (!existsSync(join(src, entry))) continue;
      aliases.push({ find: new RegExp(`^@orchflow/${name}${sub}$`), replacement: join(src, entry) });
    }
  }
  return aliases;
}

export function packageTestConfig(overrides: UserWorkspaceConfig['test'] = {}): UserWorkspaceConfig {
  return defineProject({
    resolve: { alias: sourceAliases() },
    test: {
      include: ['test/**/*.test.ts'],
      testTimeout: 20_000,
      hookTimeout: 20_000,
      // Test fixtures run `bash -c` themselves. bash reads ~/.bashrc for `-c` when its stdin is a
      // socket (Node's child stdio) and SHLVL is unset, which turbo's strict env mode leaves it:
      // a machine's rc (pyenv's rehash waits up to 60 s on a stale lock) then stalls fixtures.
      // orchflow's own shells never read it (pipe-runner.ts, shell-integration/).
      env: { SHLVL: '1' },
      ...overrides,
    },
  });
}
