// The default sidecar: the @orchflow/server CLI this extension depends on, run by `node` from PATH.
// Not the editor's own executable: VS Code's is Electron, whose ABI differs from the Node the
// CLI's native PTY addon was built for.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { SidecarCommand } from '@orchflow/client/node';

/** `node <@orchflow/server>/dist/cli.mjs serve --stdio --log-level warn`, resolved from `from` (a file URL or path). */
export function defaultServerCommand(from: string, node = 'node'): SidecarCommand {
  const require = createRequire(from);
  const root = dirname(require.resolve('@orchflow/server/package.json'));
  // Warnings only: the client keeps the stderr tail for crash reports, and info lines would fill it.
  return { command: node, args: [join(root, 'dist', 'cli.mjs'), 'serve', '--stdio', '--log-level', 'warn'] };
}
