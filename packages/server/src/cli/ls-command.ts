// Registers `orchflow ls`; ls.ts (and the client it uses) is loaded when the command runs.
import { type Command, InvalidArgumentError } from 'commander';
import type { LsFlags } from './ls';

/** Registers `ls` on `program`. */
export function registerLs(program: Command, done: (code: number) => void): void {
  program
    .command('ls')
    .description('List the terminals you may see')
    .option(
      '--server <url>',
      'server: unix:/path, ws://host:port or http://host:port; default $ORCHFLOW_SERVER',
    )
    .option('--token <token>', 'auth token (default $ORCHFLOW_TOKEN)')
    .option('--agent <id>', 'only this agent’s terminals', (id: string) => {
      if (id === '')
        throw new InvalidArgumentError('give an agent id (leave --agent out to list every agent)');
      return id;
    })
    .option('--json', 'print JSON instead of a table')
    .action(async (flags: LsFlags) => done(await (await import('./ls')).ls(flags)));
}
