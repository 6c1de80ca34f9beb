// The `orchflow` command line: commander program with `serve`, `exec`, `ls`, `attach`, `audit`, `mcp`,
// `node`, `replay` and `record`.
// Commands resolve with an exit code instead of calling process.exit, so they are testable and
// output is flushed before the process ends.
import { Command, CommanderError } from 'commander';
import { registerAttach } from './attach-command';
import { registerAudit } from './audit-command';
import { reportError } from './errors';
import { registerExec } from './exec-command';
import { registerLs } from './ls-command';
import { registerMcp } from './mcp-command';
import { registerNode } from './node-command';
import { registerRecord } from './record-command';
import { USAGE_EXIT_CODE } from './recording-args';
import { registerReplay } from './replay-command';
import { registerServe } from './serve-command';
import { VERSION } from './version';

/** Builds the program; `done` receives each command's exit code. */
export function buildProgram(done: (code: number) => void): Command {
  const program = new Command('orchflow')
    .description('orchflow — terminal orchestration for AI agents')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerServe(program, done);
  registerExec(program, done);
  registerLs(program, done);
  registerAttach(program, done);
  registerAudit(program, done);
  registerMcp(program, done);
  registerNode(program, done);
  registerReplay(program, done);
  registerRecord(program, done);
  program.addHelpText('after', '\nRun orchflow <command> --help for the options of a command.');
  hintEachCommand(program, 'orchflow');
  return program;
}

// Each command (`record list` too) names its own --help after a usage error, and throws instead
// of exiting.
function hintEachCommand(parent: Command, path: string): void {
  for (const command of parent.commands) {
    const name = `${path} ${command.name()}`;
    command.exitOverride().showHelpAfterError(`(run ${name} --help for usage)`);
    hintEachCommand(command, name);
  }
}

/** Runs the CLI on `argv` (as `process.argv`); resolves with the process exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  let code = 0;
  const program = buildProgram((result) => {
    code = result;
  });
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (error) {
    // --help and --version arrive as CommanderErrors with exit code 0; every other one is a
    // usage error commander already printed (unknown option, missing or invalid value): 2.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : USAGE_EXIT_CODE;
    reportError(error);
    return 1;
  }
}
