// The agent's tools, in the Vercel AI SDK's `tool()` form: zod input schemas the model fills in,
// and structured results it reads back. Commands run in one persistent orchflow terminal under
// the orchestrator's security policy; files are read and written inside the project only.
import { existsSync, lstatSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { tool } from 'ai';
import { z } from 'zod';
import type { AgentTerminal } from './agent-terminal';

// Resolves a model-supplied path inside `root`. The parent directory is resolved through
// symlinks and the file itself must not be one, so no path leads out of the project.
function insideProject(root: string, path: string): string {
  const target = resolve(root, path);
  const real = join(realpathSync(dirname(target)), basename(target));
  const rel = relative(realpathSync(root), real);
  const isLink = existsSync(real) && lstatSync(real).isSymbolicLink();
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || isLink) {
    throw new OrchflowError(
      ErrorCode.Forbidden,
      `'${path}' is outside the project: give a path relative to ${root}.`,
    );
  }
  return real;
}

/** Tools over one terminal and one project directory. */
export function terminalTools(terminal: AgentTerminal, projectDir: string) {
  return {
    run_command: tool({
      description:
        "Run a shell command in the project's persistent terminal (cwd and env persist). Returns status exited (see exit_code), timed_out, awaiting_input (the program asks something: answer with send_input) or denied (the security policy refused it).",
      inputSchema: z.object({
        command: z.string().min(1).max(4096).describe('The command line, e.g. "node --test"'),
        timeout_ms: z
          .number()
          .int()
          .min(100)
          .max(120_000)
          .optional()
          .describe('Stop the command after this long'),
      }),
      execute: ({ command, timeout_ms }) => terminal.run(command, { timeoutMs: timeout_ms }),
    }),
    send_input: tool({
      description:
        'Answer a command whose status is awaiting_input: types the text and a newline, then waits like run_command.',
      inputSchema: z.object({ text: z.string().max(4096).describe('The answer, without the newline') }),
      execute: ({ text }) => terminal.sendInput(text),
    }),
    read_file: tool({
      description: 'Read a text file of the project.',
      inputSchema: z.object({ path: z.string().min(1).describe('Path relative to the project root') }),
      execute: async ({ path }) => ({ path, content: readFileSync(insideProject(projectDir, path), 'utf8') }),
    }),
    write_file: tool({
      description: 'Replace a text file of the project with new content.',
      inputSchema: z.object({
        path: z.string().min(1).describe('Path relative to the project root'),
        content: z.string().max(1_000_000),
      }),
      execute: async ({ path, content }) => {
        writeFileSync(insideProject(projectDir, path), content);
        return { path, bytes: Buffer.byteLength(content) };
      },
    }),
  };
}

/** The tool set's type, for code that inspects steps. */
export type TerminalTools = ReturnType<typeof terminalTools>;
