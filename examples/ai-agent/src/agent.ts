// The agent loop: the AI SDK's generateText calls the model, runs the tools it asks for, feeds
// their results back, and repeats until the model answers without a tool call (or 12 steps).
import { generateText, type LanguageModel, type StepResult, stepCountIs } from 'ai';
import type { AgentTerminal } from './agent-terminal';
import { type TerminalTools, terminalTools } from './tools';

/** What {@link runAgent} needs. */
export interface AgentOptions {
  /** Any AI SDK language model: the scripted stub here, a real provider's model in production. */
  model: LanguageModel;
  /** The terminal the agent's commands run in. */
  terminal: AgentTerminal;
  /** The project the file tools may touch. */
  projectDir: string;
  /** Called after each step (model call plus the tools it asked for). */
  onStep?: (step: StepResult<TerminalTools>) => void;
}

/** The task given to the model. */
export const TASK =
  'The test suite of this project fails. Find and fix the bug, make the tests pass, then publish the release with release.mjs and check that server.mjs starts.';

/** Runs the loop and returns the SDK's result (text, steps with every tool call and result). */
export function runAgent(options: AgentOptions) {
  return generateText({
    model: options.model,
    tools: terminalTools(options.terminal, options.projectDir),
    system: 'You are a careful coding agent. Use the tools; read results before the next move.',
    prompt: TASK,
    stopWhen: stepCountIs(12),
    onStepFinish: options.onStep,
  });
}
