// `pnpm start`: the scripted agent fixes a real project through a real orchflow terminal,
// printing each step: what the model said, each tool call, and each structured result.
import { rmSync } from 'node:fs';
import { Orchestrator } from '@orchflow/core';
import { runAgent, TASK } from './agent';
import { AgentTerminal } from './agent-terminal';
import { agentPolicy } from './policy';
import { createSampleProject } from './project';
import { fixTheTests } from './script';
import { scriptedModel } from './scripted-model';

const bold = (text: string) => `\x1b[1m${text}\x1b[0m`;
const indent = (text: string, lines = 8) => {
  const all = text.trimEnd().split('\n');
  const shown = all.slice(0, lines).map((l) => `      ${l}`);
  if (all.length > lines) shown.push(`      … ${all.length - lines} more lines`);
  return shown.join('\n');
};

const orchestrator = Orchestrator.builder().withSecurityPolicy(agentPolicy()).build();
const projectDir = createSampleProject();
try {
  const terminal = await AgentTerminal.open(orchestrator, 'fixer', projectDir);
  console.log(`${bold('task:')} ${TASK}\nproject ${projectDir}, terminal ${terminal.id}`);
  const result = await runAgent({
    model: scriptedModel(fixTheTests),
    terminal,
    projectDir,
    onStep: (step) => {
      console.log(`\n${bold(`step ${step.stepNumber + 1}`)}${step.text ? ` — model: ${step.text}` : ''}`);
      for (const call of step.toolCalls) {
        const input = JSON.stringify(call.input);
        console.log(`  → ${call.toolName} ${input.length > 100 ? `${input.slice(0, 100)}…` : input}`);
      }
      for (const toolResult of step.toolResults) {
        const { output, ...fields } = toolResult.output as { output?: string; content?: string };
        const summary = Object.entries(fields)
          .filter(([key]) => ['status', 'exit_code', 'rule', 'path', 'bytes', 'duration_ms'].includes(key))
          .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
          .join(' ');
        console.log(`  ← ${summary}`);
        const text = output ?? (toolResult.output as { content?: string }).content;
        if (text) console.log(indent(text));
      }
    },
  });
  console.log(`\n${bold('agent:')} ${result.text}\n(${result.steps.length} steps)`);
} finally {
  await orchestrator.shutdown();
  rmSync(projectDir, { recursive: true, force: true });
}
