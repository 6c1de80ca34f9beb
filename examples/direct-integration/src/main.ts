// orchflow embedded in a process, the way an editor plugin or agent framework would use it:
// no server, no IPC — the orchestrator runs real terminals right here.
import { rmSync } from 'node:fs';
import { OrchflowClient } from '@orchflow/client';
import { Orchestrator } from '@orchflow/core';
import { isOrchflowError } from '@orchflow/protocol';
import { createSampleProject } from './project';
import { aiSafetyPlugin } from './safety-plugin';

const heading = (text: string) => console.log(`\n\x1b[1m== ${text}\x1b[0m`);

const orchestrator = Orchestrator.builder()
  .withMaxTerminals(10)
  .withMaxTerminalsPerAgent(3)
  .withExecutionMode('interactive')
  .withPlugin(aiSafetyPlugin)
  .build();

// A throwaway project: deleted when the demo ends, also when it fails.
let project: string | undefined;
try {
  project = createSampleProject();
  const terminal = await orchestrator.spawnTerminal('worker-1', { cwd: project });
  console.log(`spawned ${terminal.id} for agent worker-1 in ${project} (deleted at the end)`);

  // The sample's mul() adds instead (see project.ts), so the run has a failure and an exit code
  // worth showing; without saying so the output reads like a broken example.
  heading('1. run the test suite in a persistent shell (one test fails on purpose)');
  const run = await terminal.execute('node --test', { timeoutMs: 60_000 });
  console.log(run.stdout.trimEnd());
  console.log(
    `→ exit code ${run.exitCode} in ${run.durationMs.toFixed(0)} ms — expected: 'multiplies' fails on purpose (the sample's mul() adds, 3 + 4 = 7, not 12)`,
  );

  heading('2. the shell persists: cwd, variables and functions survive between commands');
  await terminal.execute('export GREETING=hello; greet() { echo "$GREETING from $(basename "$PWD")"; }');
  console.log((await terminal.execute('greet')).stdout.trimEnd());

  heading('3. stream output live while a command runs');
  await terminal.execute('for i in 1 2 3; do echo "step $i"; sleep 0.2; done', {
    onOutput: (chunk) => process.stdout.write(`  [live, offset ${chunk.offset}] ${chunk.data}`),
  });

  heading('4. the safety plugin blocks a dangerous command');
  try {
    await terminal.execute('rm -rf /');
  } catch (error) {
    if (!isOrchflowError(error)) throw error;
    console.log(`blocked: ${error.codeName} (${error.code}) — ${error.message}`);
  }

  heading('5. the same API through OrchflowClient.direct (JSON-RPC over an in-process channel)');
  const client = await OrchflowClient.direct(orchestrator);
  const remote = await client.spawnTerminal('worker-2');
  const hello = await remote.execute('echo hello');
  console.log(`stdout ${JSON.stringify(hello.stdout)}, exit code ${hello.exitCode}`);
  await client.close();

  const metrics = await orchestrator.metrics();
  heading('metrics');
  console.log(`${metrics.commandsExecuted} commands run, ${metrics.terminals.total} terminals open`);
} finally {
  // Shut down first: the terminal's shell runs in the project directory.
  await orchestrator.shutdown();
  if (project !== undefined) rmSync(project, { recursive: true, force: true });
}
