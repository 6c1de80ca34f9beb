// The three places jobs can run: an orchestrator embedded in this process (default), a sidecar
// `orchflow serve --stdio` this process spawns and supervises, or a running server over WebSocket.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { OrchflowClient } from '@orchflow/client';
import { OrchflowClient as NodeClient } from '@orchflow/client/node';
import { Orchestrator } from '@orchflow/core';
import type { Backend } from './args';

/** A connected client and how to let go of everything behind it. */
export interface Connection {
  client: OrchflowClient;
  /** Where the jobs run, for the header line. */
  where: string;
  close(): Promise<void>;
}

/** Connects to `backend`; `maxParallel` sizes an embedded orchestrator. */
export async function connect(backend: Backend, maxParallel: number): Promise<Connection> {
  switch (backend.kind) {
    case 'embedded': {
      const orchestrator = Orchestrator.builder().withMaxTerminals(Math.max(maxParallel, 1)).build();
      const client = await NodeClient.direct(orchestrator);
      return {
        client,
        where: 'an embedded orchestrator',
        close: async () => {
          await client.close();
          await orchestrator.shutdown();
        },
      };
    }
    case 'stdio': {
      // The sidecar in a session and process group of its own, so a SIGINT to ours (Ctrl-C typed
      // in the terminal, or a supervisor signalling the group) reaches orchflow-par alone: it
      // interrupts its jobs and reads their exit statuses before the sidecar goes (which it does
      // with our stdin). The client's default does this only with a controlling terminal.
      const client = await NodeClient.stdio({
        command: process.execPath,
        args: [orchflowCli(), 'serve', '--stdio'],
        detached: true,
      });
      return { client, where: 'a sidecar (orchflow serve --stdio)', close: () => client.close() };
    }
    case 'websocket': {
      // No reconnect: a CLI run that lost its server should fail now, not retry for minutes.
      const client = await NodeClient.websocket(backend.url, { token: backend.token, reconnect: false });
      return { client, where: backend.url, close: () => client.close() };
    }
  }
}

/** The `orchflow` CLI of the installed @orchflow/server (its package.json `bin`). */
function orchflowCli(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('@orchflow/server/package.json');
  const bin = (require(manifest) as { bin: Record<string, string> }).bin.orchflow ?? 'dist/cli.mjs';
  return join(dirname(manifest), bin);
}
