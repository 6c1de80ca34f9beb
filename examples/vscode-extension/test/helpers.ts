// Shared by the tests: the real sidecar command and process checks.
import { fileURLToPath } from 'node:url';
import type { SidecarCommand } from '@orchflow/client/node';

/** `node packages/server/dist/cli.mjs serve --stdio` of this repository. */
export const SERVER: SidecarCommand = {
  command: process.execPath,
  args: [
    fileURLToPath(new URL('../../../packages/server/dist/cli.mjs', import.meta.url)),
    'serve',
    '--stdio',
  ],
};

/** True while a process with this pid exists (and is not a zombie we reaped). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Polls `check` until it holds or `timeoutMs` passes (then throws `message`). */
export async function until(check: () => boolean, message: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
