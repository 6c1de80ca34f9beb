// The CLI loads a command's implementation only when that command runs: `orchflow --help` or
// `orchflow exec --server …` must not load the orchestrator, the security policy, the HTTP
// server, pino or prom-client (loading everything made every invocation take ~0.8 s). This walks
// the static import graph from program.ts (dynamic `import()` and `import type` excluded) and
// lists the packages it reaches.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_CLUSTER_NAME } from '@orchflow/client/node';
import { describe, expect, it } from 'vitest';
import { DEFAULT_NODE_CAPACITY } from '../src/cluster/node';
import { runCli } from './cli-capture';
import { SERVER_ROOT } from './cli-run';

const STATIC_IMPORT = /^import\s+(?!type\s)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
const STATIC_EXPORT_FROM = /^export\s+(?!type\s)[^'"]*?\sfrom\s+['"]([^'"]+)['"]/gm;

/** The packages (and `node:` modules) `entry` reaches through static imports. */
function packagesReached(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const pattern of [STATIC_IMPORT, STATIC_EXPORT_FROM]) {
      for (const [, specifier] of source.matchAll(pattern)) {
        if (!specifier) continue;
        if (specifier.endsWith('.json')) continue;
        if (specifier.startsWith('.')) {
          const path = resolve(dirname(file), specifier);
          visit(existsSync(`${path}.ts`) ? `${path}.ts` : join(path, 'index.ts'));
        } else packages.add(specifier);
      }
    }
  };
  visit(entry);
  return packages;
}

describe('the orchflow CLI', () => {
  it('loads no command implementation to parse its arguments or print help', () => {
    const reached = [...packagesReached(join(SERVER_ROOT, 'src/cli/program.ts'))].filter(
      (name) => !name.startsWith('node:'),
    );
    expect(reached.sort()).toEqual(['@orchflow/protocol', 'commander']);
  });

  it('runs exec against a server with the client alone', () => {
    const reached = packagesReached(join(SERVER_ROOT, 'src/cli/exec.ts'));
    expect([...reached].filter((name) => !name.startsWith('node:')).sort()).toEqual([
      '@orchflow/client/node',
      '@orchflow/protocol',
    ]);
  });

  it('states the defaults it no longer imports as they are (cluster name, node capacity)', async () => {
    // Help is wrapped to the width of the output: compare with runs of spaces joined.
    const help = async (command: string) => (await runCli([command, '--help'])).stdout.replace(/\s+/g, ' ');
    const node = await help('node');
    expect(node).toContain(`to join (default ${DEFAULT_CLUSTER_NAME})`);
    expect(node).toContain(`takes (default ${DEFAULT_NODE_CAPACITY})`);
    expect(await help('serve')).toContain(`serve (default ${DEFAULT_CLUSTER_NAME})`);
  });
});
