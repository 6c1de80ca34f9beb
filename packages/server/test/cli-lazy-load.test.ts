// The CLI loads a command's implementation only when that command runs: `orchflow --help` or
// `orchflow exec --server …` must not load the orchestrator, the security policy, the HTTP
// server, pino or prom-client (loading everything made every invocation take ~0.8 s). This walks
// the static import graph from program.ts (dynamic `import()` and `import type` excluded) and
// lists the packages it reaches (terminal/test/import-graph.ts).
import { join } from 'node:path';
import { DEFAULT_CLUSTER_NAME } from '@orchflow/client/node';
import { describe, expect, it } from 'vitest';
import { packagesReached } from '../../terminal/test/import-graph';
import { DEFAULT_NODE_CAPACITY } from '../src/cluster/node';
import { runCli } from './cli-capture';
import { SERVER_ROOT } from './cli-run';

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
