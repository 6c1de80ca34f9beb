// The in-process baseline in a process of its own, for `transports.mjs`: an `Orchestrator` with
// the servers' policy, embedded here as an application would embed it, timing each
// `handle.execute` where it runs. It exists because the bench process is never idle (it runs every
// side's client), so an orchestrator embedded there answers from warm caches while each server
// has idled through the other sides' commands; this one idles alike between its turns.
// Messages (Node's IPC channel): { id, op: 'open' | 'execute' | 'kill', command? } → { id, ... }.
import { Orchestrator } from '@orchflow/core';
import { SecurityPresets } from '@orchflow/security';

const orch = Orchestrator.builder().withSecurityPolicy(SecurityPresets.trusted).build();
await orch.ready();
let handle;

const ops = {
  async open() {
    handle = await orch.spawnTerminal('bench', { shell: 'bash' });
    return {};
  },
  async execute({ command }) {
    const t0 = performance.now();
    const result = await handle.execute(command);
    return { ms: performance.now() - t0, exitCode: result.exitCode };
  },
  async kill() {
    await handle.kill();
    return {};
  },
};

process.on('message', async (message) => {
  try {
    process.send({ id: message.id, ...(await ops[message.op](message)) });
  } catch (error) {
    process.send({ id: message.id, error: String(error?.stack ?? error) });
  }
});
// The parent going away (or closing the channel) ends this process and its shell.
process.on('disconnect', async () => {
  await orch.shutdown();
  process.exit(0);
});
process.send({ ready: true });
