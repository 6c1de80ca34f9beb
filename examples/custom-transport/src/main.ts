// `pnpm start`: the orchestrator runs in a worker thread, the client here in the main thread,
// and the two talk JSON-RPC over a MessagePort through MessagePortChannel.
import { once } from 'node:events';
import { MessageChannel, Worker } from 'node:worker_threads';
import { OrchflowClient } from '@orchflow/client';
import { MessagePortChannel } from './message-port-channel';

const { port1, port2 } = new MessageChannel();
// The worker is TypeScript too; worker-bootstrap.mjs loads it through tsx (see there why).
const worker = new Worker(new URL('./worker-bootstrap.mjs', import.meta.url), {
  workerData: { entry: new URL('./orchestrator-worker.ts', import.meta.url).href, port: port2 },
  transferList: [port2],
  // A terminal's PTY is opened by node-pty's native code, not by `fs.open`; a worker that tracks
  // its fds would warn when orchflow closes one ("closed but not opened in unmanaged mode").
  trackUnmanagedFds: false,
});
worker.once('error', (error) => {
  console.error('orchestrator worker failed:', error);
  process.exitCode = 1;
});
await once(worker, 'message'); // 'ready'

const client = await OrchflowClient.fromChannel(new MessagePortChannel(port1));
console.log(
  `connected to ${client.serverInfo.name} ${client.serverInfo.version} over`,
  client.capabilities.transports,
);
try {
  const terminal = await client.spawnTerminal('demo');
  console.log(`spawned terminal ${terminal.id} (pid ${terminal.info().pid}) in the worker thread`);
  const result = await terminal.execute('echo "hello from the shell with pid $$"; (exit 3)', {
    onOutput: (chunk) => process.stdout.write(`  live: ${JSON.stringify(chunk.data)}\n`),
  });
  console.log(`stdout ${JSON.stringify(result.stdout)}, exit code ${result.exitCode}`);
} finally {
  await client.close(); // $/shutdown: the worker kills the terminal, then the port closes
  const [code] = await once(worker, 'exit');
  console.log(`worker exited with code ${code}`);
}
