// Registers `orchflow attach`; attach.ts (and the client it uses) is loaded when the command runs.
import type { Command } from 'commander';
import type { AttachFlags } from './attach';

/** Registers `attach` on `program`. */
export function registerAttach(program: Command, done: (code: number) => void): void {
  program
    .command('attach')
    .description('Attach this terminal to an orchflow terminal (raw mode; detach key leaves it running)')
    .argument('<id>', "terminal id (see 'orchflow ls')")
    .option(
      '--server <url>',
      'server: unix:/path, ws://host:port or http://host:port; default $ORCHFLOW_SERVER',
    )
    .option('--token <token>', 'auth token (default $ORCHFLOW_TOKEN)')
    .option('--detach-key <key>', 'key that detaches', 'ctrl-]')
    .option('--no-resize', 'do not resize the remote terminal to this window')
    .option('--tmux', 'attach with tmux itself to a terminal of `serve --backend tmux` (Ctrl-b d detaches)')
    .option('--tmux-socket <name>', 'tmux socket name for --tmux', 'orchflow')
    .addHelpText(
      'after',
      '\nInput piped in instead of a terminal (echo ls | orchflow attach ID) is typed as it comes,\n' +
        'and its end detaches (</dev/null: the recent output, then detached).',
    )
    .action(async (id: string, flags: AttachFlags) =>
      done(await (await import('./attach')).attach(id, flags)),
    );
}
