// The agent loop for real: the AI SDK's generateText with the scripted model, real orchflow
// terminals (bash in a PTY under the `standard`-based policy), real node processes.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Orchestrator } from '@orchflow/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAgent } from '../src/agent';
import { AgentTerminal, type CommandResult } from '../src/agent-terminal';
import { agentPolicy } from '../src/policy';
import { createSampleProject } from '../src/project';
import { fixTheTests, SERVER_TIMEOUT_MS } from '../src/script';
import { scriptedModel } from '../src/scripted-model';
import { terminalTools } from '../src/tools';

let orchestrator: Orchestrator;
const projects: string[] = [];
const newProject = () => {
  const dir = createSampleProject();
  projects.push(dir);
  return dir;
};
beforeAll(() => {
  orchestrator = Orchestrator.builder().withSecurityPolicy(agentPolicy()).build();
});
afterAll(async () => {
  await orchestrator?.shutdown();
  for (const dir of projects) rmSync(dir, { recursive: true, force: true });
});

describe('agent loop', () => {
  it('runs the failing tests, fixes the bug, re-runs green, answers a prompt and survives a timeout', async () => {
    const projectDir = newProject();
    const terminal = await AgentTerminal.open(orchestrator, 'fixer', projectDir);
    const result = await runAgent({ model: scriptedModel(fixTheTests), terminal, projectDir });

    const calls = result.steps.flatMap((step) =>
      step.toolResults.map((r) => ({ tool: r.toolName, output: r.output })),
    );
    const commands = calls.map((c) => c.output as CommandResult);
    expect(calls.map((c) => c.tool)).toEqual([
      'run_command',
      'read_file',
      'write_file',
      'run_command',
      'run_command',
      'send_input',
      'run_command',
    ]);
    // 1. red: the real failure text reaches the model
    expect(commands[0]).toMatchObject({ status: 'exited', exit_code: 1, truncated: false });
    expect(commands[0]?.output).toContain("'hello-big world'");
    // 4. green after the fix
    expect(commands[3]).toMatchObject({ status: 'exited', exit_code: 0 });
    expect(commands[3]?.output).toMatch(/pass 2/);
    // 5. the release script blocks on its question: awaiting_input, with the prompt as output
    expect(commands[4]).toMatchObject({
      status: 'awaiting_input',
      exit_code: null,
      command: 'node release.mjs',
    });
    expect(commands[4]?.output).toContain('Publish slugs@1.0.1? [y/N]');
    // 6. the answer goes to the program, which finishes
    expect(commands[5]).toMatchObject({ status: 'exited', exit_code: 0, command: 'node release.mjs' });
    expect(commands[5]?.output).toContain('published slugs@1.0.1');
    // 7. the server never exits: timed out, what it printed kept
    expect(commands[6]).toMatchObject({ status: 'timed_out', command: 'node server.mjs' });
    expect(commands[6]?.output).toContain('listening on http://127.0.0.1:');
    // Stopped by the 10 s timeout (room for node's start on a loaded machine), not hanging on.
    expect(commands[6]?.duration_ms).toBeGreaterThanOrEqual(SERVER_TIMEOUT_MS - 100);
    expect(commands[6]?.duration_ms).toBeLessThan(SERVER_TIMEOUT_MS + 15_000);
    expect(result.text).toMatch(/^Fixed slugify/);

    // The fix is on disk, and the suite is green in a fresh terminal too.
    expect(readFileSync(join(projectDir, 'slug.mjs'), 'utf8')).toContain(".replace(/\\s+/g, '-')");
    const check = await AgentTerminal.open(orchestrator, 'checker', projectDir);
    expect(await check.run('node --test')).toMatchObject({ status: 'exited', exit_code: 0 });
    // …and the agent's own terminal is usable after the timeout.
    expect(await terminal.run('node --version')).toMatchObject({ status: 'exited', exit_code: 0 });
  });
});

describe('AgentTerminal', () => {
  let projectDir: string;
  let terminal: AgentTerminal;
  beforeAll(async () => {
    projectDir = newProject();
    terminal = await AgentTerminal.open(orchestrator, 'edges', projectDir);
  });

  it('reports a second question of the same program as awaiting input again', async () => {
    writeFileSync(
      join(projectDir, 'two.mjs'),
      [
        "import { createInterface } from 'node:readline/promises';",
        'const rl = createInterface({ input: process.stdin, output: process.stdout });',
        "const a = await rl.question('first? ');",
        "const b = await rl.question('second? ');",
        'rl.close();',
        "console.log('got ' + a + ' and ' + b);",
      ].join('\n'),
    );
    const first = await terminal.run('node two.mjs');
    expect(first).toMatchObject({ status: 'awaiting_input' });
    expect(first.output).toContain('first? ');
    // Nothing else may run while it waits.
    await expect(terminal.run('echo hi')).rejects.toMatchObject({ codeName: 'InvalidState' });
    const second = await terminal.sendInput('one');
    expect(second).toMatchObject({ status: 'awaiting_input' });
    expect(second.output).toContain('second? ');
    expect(await terminal.sendInput('two')).toMatchObject({
      status: 'exited',
      exit_code: 0,
      output: expect.stringContaining('got one and two'),
    });
    await expect(terminal.sendInput('nobody asked')).rejects.toMatchObject({ codeName: 'InvalidState' });
  });

  it('returns a policy refusal as a denied result, not a crash', async () => {
    const denied = await terminal.run('sudo rm -rf /');
    expect(denied).toMatchObject({
      status: 'denied',
      exit_code: null,
      rule: expect.stringMatching(/^deniedCommands/),
    });
    expect(denied.output).toContain('sudo');
  });

  it('keeps the file tools inside the project', async () => {
    const tools = terminalTools(terminal, projectDir);
    const options = { toolCallId: 't', messages: [] };
    await expect(
      Promise.resolve(tools.write_file.execute?.({ path: '../escape.txt', content: 'x' }, options)),
    ).rejects.toMatchObject({
      codeName: 'Forbidden',
    });
    await expect(
      Promise.resolve(tools.read_file.execute?.({ path: '/etc/hostname' }, options)),
    ).rejects.toMatchObject({
      codeName: 'Forbidden',
    });
  });
});
