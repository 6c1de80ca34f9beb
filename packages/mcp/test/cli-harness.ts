// Runs the real `orchflow mcp` CLI (packages/server, from source via tsx, as the built bin would
// run) for the official MCP clients to drive over stdio. Test-only: @orchflow/mcp does not import
// the server package.
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** packages/server: its tsconfig maps @orchflow/* to their sources for tsx. */
export const SERVER_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../server');

/** Command and arguments that start `orchflow ...args`. */
export function cliCommand(args: string[]): { command: string; args: string[]; cwd: string } {
  return {
    command: process.execPath,
    args: ['--import', 'tsx', join(SERVER_ROOT, 'src/cli/bin.ts'), ...args],
    cwd: SERVER_ROOT,
  };
}

/** The environment for the CLI (the SDK's stdio transport passes only a safe subset by default). */
export function cliEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
}

/** A running `orchflow serve`, with the MCP URL from its JSON start-up line. */
export interface ServeProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:PORT/mcp` (empty without --mcp) */
  mcpUrl: string;
  /** Every listener's transport and address, from the start-up line. */
  listeners: { transport: string; address?: string }[];
  stop(): Promise<void>;
}

/** Starts `orchflow serve ...args --log-format json` and waits for its start-up line. */
export async function startServe(args: string[]): Promise<ServeProcess> {
  const { command, args: cliArgs, cwd } = cliCommand(['serve', ...args, '--log-format', 'json']);
  const child = spawn(command, cliArgs, { cwd, env: process.env, stdio: ['ignore', 'ignore', 'pipe'] });
  const line = await new Promise<string>((resolve, reject) => {
    let seen = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      seen += text;
      const found = seen.split('\n').find((l) => l.includes('"listening"'));
      if (found) resolve(found);
    });
    child.once('close', () => reject(new Error(`serve exited before listening: ${seen}`)));
  });
  const listeners = (JSON.parse(line) as { listeners: { transport: string; address?: string }[] }).listeners;
  const mcp = listeners.find((l) => l.transport.startsWith('mcp'));
  return {
    child,
    listeners,
    mcpUrl: mcp?.address ?? '',
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('close', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
