// Registers `orchflow exec`: its flags and help. What runs the command (exec.ts: a client, or an
// in-process orchestrator) is loaded when the command runs, so other commands and --help do not.
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { ExecFlags } from './exec';

/** Registers `exec` on `program`. */
export function registerExec(program: Command, done: (code: number) => void): void {
  program
    .command('exec')
    .description('Run one command in a fresh terminal and exit with its exit code')
    .argument('<command...>', "the command; put it after '--' (one argument is a shell line)")
    .option(
      '--server <url>',
      'server to run on: unix:/path, ws://host:port or http://host:port; default: in-process, or $ORCHFLOW_SERVER',
    )
    .option('--token <token>', 'auth token (default $ORCHFLOW_TOKEN)')
    .option('--agent <id>', 'agent id owning the terminal', 'cli')
    .option('--cwd <dir>', 'working directory')
    .addOption(
      new Option('--timeout <ms>', 'hard timeout in milliseconds; 0 for none (default 600000)').argParser(
        parseNonNegativeInt,
      ),
    )
    .option('--pty', 'run in a PTY (interactive mode) instead of pipes')
    .addHelpText(
      'after',
      '\nPiped stdin is forwarded to the command, then EOF; a terminal on stdin is not (the command\n' +
        "gets EOF at once). Example: orchflow exec --server unix:/tmp/orchflow.sock -- 'make test | tail -5'",
    )
    .action(async (words: string[], flags: ExecFlags) =>
      done(await (await import('./exec')).exec(words, flags)),
    );
}

/** Parses a flag that is a whole number ≥ 0. */
function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`'${value}' is not a whole number ≥ 0`);
  return n;
}
