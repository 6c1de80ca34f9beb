// Registers `orchflow record list` and `record show`; record.ts (and @orchflow/core's recording
// reader) is loaded when they run.
import type { Command } from 'commander';
import type { ListFlags, ShowFlags } from './record';

/** Registers `record list` and `record show` on `program`. */
export function registerRecord(program: Command, done: (code: number) => void): void {
  const record = program
    .command('record')
    .description('Inspect recordings (asciicast files from serve --record)');
  record
    .command('list')
    .description('List the commands of a recording with exit codes, or the recordings in a directory')
    .argument('<path>', 'a recording (.cast) or a directory of them')
    .option('--json', 'print JSON instead of a table')
    .addHelpText(
      'after',
      '\nEXIT is - for a command that had not ended when the recording stopped.\n' +
        'Example: orchflow record list rec/agent-1/t-1.cast',
    )
    .action(async (path: string, flags: ListFlags) =>
      done(await (await import('./record')).recordList(path, flags)),
    );
  record
    .command('show')
    .description("Print one command's output as recorded")
    .argument('<file>', 'recording (.cast)')
    .option('--command <n>', "the command's number (from 'orchflow record list'); required")
    .action(async (file: string, flags: ShowFlags) =>
      done(await (await import('./record')).recordShow(file, flags)),
    );
}
