// `orchflow exec [--server URL] -- CMD`: runs one command in a fresh terminal and exits with its
// exit code (124 on timeout, 128+N when killed by signal N). Without --server it runs in an
// in-process orchestrator, which needs no server at all.
import { constants } from 'node:os';
import { OrchflowClient } from '@orchflow/client/node';
import { Orchestrator } from '@orchflow/core';
import type { ExecResult } from '@orchflow/protocol';
import { type Command, Option } from 'commander';
import { connectTo, type ServerOptions } from './connect';
import { parsePositiveInt } from './serve';
import { CLIENT_INFO } from './version';

/** Exit status of a command that timed out (as coreutils `timeout`). */
export const TIMEOUT_EXIT_CODE = 124;

interface ExecFlags extends ServerOptions {
  agent: string;
  cwd?: string;
  timeout?: number;
  pty?: boolean;
}

/** Quotes one argument for a POSIX shell. */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

/** The shell command for `words`: one word is taken as a shell line, several are quoted. */
export function commandLine(words: string[]): string {
  return words.length === 1 ? (words[0] ?? '') : words.map(shellQuote).join(' ');
}

/** The process exit status that mirrors `result`. */
export function exitStatus(result: ExecResult): number {
  if (result.timedOut) return TIMEOUT_EXIT_CODE;
  if (result.exitCode !== null) return result.exitCode;
  const signal = result.signal as keyof typeof constants.signals | null;
  return signal && constants.signals[signal] ? 128 + constants.signals[signal] : 1;
}

async function open(flags: ExecFlags): Promise<{ client: OrchflowClient; done(): Promise<void> }> {
  const url = flags.server ?? process.env.ORCHFLOW_SERVER;
  if (url) {
    const client = await connectTo(url, flags.token);
    return { client, done: () => client.close() };
  }
  const orchestrator = Orchestrator.builder().build();
  const client = await OrchflowClient.direct(orchestrator, { clientInfo: CLIENT_INFO });
  return {
    client,
    done: async () => {
      await client.close();
      await orchestrator.shutdown();
    },
  };
}

/** Runs `orchflow exec`; resolves with the command's exit status. */
export async function exec(words: string[], flags: ExecFlags): Promise<number> {
  const { client, done } = await open(flags);
  try {
    const result = await client.runScript(commandLine(words), {
      agentId: flags.agent,
      config: { cwd: flags.cwd, mode: flags.pty ? 'interactive' : 'scripted' },
      timeoutMs: flags.timeout,
    });
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    if (result.truncated) process.stderr.write('orchflow: output was truncated (head and tail kept)\n');
    if (result.timedOut) process.stderr.write(`orchflow: timed out after ${flags.timeout} ms\n`);
    return exitStatus(result);
  } finally {
    await done();
  }
}

/** Registers `exec` on `program`. */
export function registerExec(program: Command, done: (code: number) => void): void {
  program
    .command('exec')
    .description('Run one command in a fresh terminal and exit with its exit code')
    .argument('<command...>', "the command; put it after '--' (one argument is a shell line)")
    .option('--server <url>', 'server to run on (unix:/path); default: in-process, or $ORCHFLOW_SERVER')
    .option('--token <token>', 'auth token (default $ORCHFLOW_TOKEN)')
    .option('--agent <id>', 'agent id owning the terminal', 'cli')
    .option('--cwd <dir>', 'working directory')
    .addOption(new Option('--timeout <ms>', 'hard timeout in milliseconds').argParser(parsePositiveInt))
    .option('--pty', 'run in a PTY (interactive mode) instead of pipes')
    .addHelpText(
      'after',
      "\nExample: orchflow exec --server unix:/tmp/orchflow.sock -- 'make test | tail -5'",
    )
    .action(async (words: string[], flags: ExecFlags) => done(await exec(words, flags)));
}
