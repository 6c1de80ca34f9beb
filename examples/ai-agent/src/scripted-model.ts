// A stand-in for an LLM, so the loop runs without network or keys: the AI SDK's own
// MockLanguageModelV3 (from `ai/test`), answering each step with the next move of a script.
// The script reacts to what the tools returned — it reads the failing assertion, patches the
// line it finds in the file — and gives up with an explanation when a result is not what it
// expects, so a broken tool shows up as a failed run, not as a scripted success.
import { MockLanguageModelV3 } from 'ai/test';

// The provider spec's types, taken from the mock itself (`ai` does not re-export @ai-sdk/provider).
type DoGenerate = MockLanguageModelV3['doGenerate'];
type CallOptions = Parameters<DoGenerate>[0];
type GenerateResult = Awaited<ReturnType<DoGenerate>>;

/** A tool result as the model sees it in its prompt. */
export interface SeenResult {
  toolName: string;
  output: Record<string, unknown>;
}

/** The model's next move: call a tool, or answer and stop. */
export type Move = { tool: string; input: Record<string, unknown>; say?: string } | { done: string };

/** Decides the next move from the tool results so far (oldest first). */
export type Script = (results: readonly SeenResult[]) => Move;

// The tool results in the prompt, in order: the SDK sends them back as `tool` messages.
function resultsIn(prompt: CallOptions['prompt']): SeenResult[] {
  const seen: SeenResult[] = [];
  for (const message of prompt) {
    if (message.role !== 'tool') continue;
    for (const part of message.content) {
      if (part.type !== 'tool-result') continue;
      const value = part.output.type === 'json' ? part.output.value : { error: JSON.stringify(part.output) };
      seen.push({ toolName: part.toolName, output: (value ?? {}) as Record<string, unknown> });
    }
  }
  return seen;
}

const USAGE = {
  inputTokens: { total: 0, noCache: 0, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 0, text: 0, reasoning: undefined },
};

/** A language model that plays `script`. */
export function scriptedModel(script: Script): MockLanguageModelV3 {
  let calls = 0;
  return new MockLanguageModelV3({
    modelId: 'scripted-agent',
    doGenerate: async ({ prompt }): Promise<GenerateResult> => {
      const move = script(resultsIn(prompt));
      if ('done' in move) {
        return {
          content: [{ type: 'text', text: move.done }],
          finishReason: { unified: 'stop', raw: 'stop' },
          usage: USAGE,
          warnings: [],
        };
      }
      calls += 1;
      return {
        content: [
          ...(move.say ? [{ type: 'text' as const, text: move.say }] : []),
          {
            type: 'tool-call',
            toolCallId: `call-${calls}`,
            toolName: move.tool,
            input: JSON.stringify(move.input),
          },
        ],
        finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
        usage: USAGE,
        warnings: [],
      };
    },
  });
}
