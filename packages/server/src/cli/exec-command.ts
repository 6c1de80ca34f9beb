// Registers `orchflow exec`: its flags and help. What runs the command (exec.ts: a client, or an
// in-process orchestrator) is loaded when the command runs, so other commands and --help do not.
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { ExecFlags } from './exec';

/**
 * The longest `--timeout`: the protocol's `ProtocolLimits.maxTimeoutMs` (a day), written out so
 * that registering the command does not load the protocol (a test keeps the two equal).
 */
export const MAX_EXEC_TIMEOUT_MS = 24 * 60 * 60 * 1000;

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
    .option(
      '--cwd <dir>',
      'working directory (default: this one in-process; with --server the server\'s own, so pass --cwd "$PWD" to run here)',
    )
    .addOption(
      new Option(
        '--timeout <ms>',
        `hard timeout in milliseconds, at most ${MAX_EXEC_TIMEOUT_MS} (a day); 0 for none (default 600000)`,
      ).argParser(parseTimeout),
    )
    .option('--pty', 'run in a PTY (interactive mode) instead of pipes')
    .option(
      '--policy <preset|file>',
      "security policy of the in-process run: aiSafe, locked, standard, trusted (default) or a JSON file; with --server the server's applies",
    )
    .addHelpText(
      'after',
      '\nPiped stdin is forwarded to the command, then EOF; a terminal on stdin is not (the command\n' +
        'gets EOF at once). In a PTY (--pty, or a server without pipes) piped input cannot be\n' +
        'forwarded safely: the run stops with an error instead of waiting for it.\n' +
        "Exit status: the command's own; 124 when it timed out; 128+N when signal N ended it; 125 when\n" +
        'orchflow could not run it (no server, a refused token, a lost connection); 126 when the\n' +
        'security policy refused it; 2 for a usage error.\n' +
        "Example: orchflow exec --server unix:/tmp/orchflow.sock -- 'make test | tail -5'",
    )
    .action(async (words: string[], flags: ExecFlags) => {
      if (flags.policy !== undefined) {
        const { checkExecPolicy } = await import('./exec');
        const problem = await checkExecPolicy(flags);
        if (problem !== undefined) {
          done(problem);
          return;
        }
      }
      done(await (await import('./exec')).exec(words, flags));
    });
}

/** Parses `--timeout`: a whole number of milliseconds from 0 (none) to the protocol's maximum. */
function parseTimeout(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > MAX_EXEC_TIMEOUT_MS) {
    throw new InvalidArgumentError(
      `'${value}' is not a timeout: use whole milliseconds from 1 to ${MAX_EXEC_TIMEOUT_MS} (a day), or 0 for none`,
    );
  }
  return n;
}
