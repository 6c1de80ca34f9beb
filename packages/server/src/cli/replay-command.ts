// Registers `orchflow replay`; replay.ts (and @orchflow/core's recording reader) is loaded when it
// runs.
import type { Command } from 'commander';
import type { ReplayFlags } from './replay';

/** Registers `replay` on `program`. */
export function registerReplay(program: Command, done: (code: number) => void): void {
  program
    .command('replay')
    .description('Play a recording (asciicast v2/v3) in this terminal with its timing')
    .argument('<file>', 'recording (.cast)')
    .option('--command <n>', "play only command N (numbers from 'orchflow record list')")
    .option('--speed <x>', 'speed factor, > 0 (2 = twice as fast)', '1')
    .option('--max-idle <s>', "cap pauses at S seconds (default: the recording's idle_time_limit)")
    .addHelpText(
      'after',
      '\nExamples:\n  orchflow replay rec/agent-1/t-1.cast --speed 2 --max-idle 1\n' +
        '  orchflow replay rec/agent-1/t-1.cast --command 3',
    )
    .action(async (file: string, flags: ReplayFlags) =>
      done(await (await import('./replay')).replay(file, flags)),
    );
}
