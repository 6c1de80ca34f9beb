// A program given by path runs (so reads) the file it names: `~/.ssh/x` ran a script kept in a
// forbidden directory, and `/root/run.sh` one under /root, where the same word as an argument
// (`cat ~/.ssh/x`) was refused. A command name that is a path is judged against the forbidden
// paths like an argument, also behind a wrapper and in code that runs later.
import { describe, it } from 'vitest';
import { CommandPolicy } from '../src/command/command-policy';
import { SecurityPresets } from '../src/policy/presets';
import { expectAllowed, expectRefused, HOME } from './policy-expect';

const standard = new CommandPolicy(SecurityPresets.standard);
const locked = new CommandPolicy(SecurityPresets.locked);
const SSH = 'forbidden-path:~/.ssh';

describe('a program under a forbidden path', () => {
  it.each([
    ['~/.ssh/x', SSH],
    ['~/.ssh/id_rsa', SSH],
    ['~/.ssh/deploy.sh --force', SSH],
    [`${HOME}/.ssh/x`, SSH],
    ['$HOME/.ssh/x', SSH],
    ['"$HOME"/.ssh/x', SSH],
    ['/root/run.sh', 'forbidden-path:/root'],
    ['/root/bin/tool arg', 'forbidden-path:/root'],
    ['../home/agent/.ssh/x', SSH],
    ['cd ~ && .ssh/x', SSH],
    ['cd ~/.config && ../.ssh/x', SSH],
    ['env ~/.ssh/x', SSH],
    ['nice -n 5 ~/.ssh/x', SSH],
    ['exec ~/.ssh/x', SSH],
    ['time ~/.ssh/x', SSH],
    ['command ~/.ssh/x', SSH],
    ["bash -c '~/.ssh/x'", SSH],
    ['f() { ~/.ssh/x; }', SSH],
    ['true && ~/.ssh/x | cat', SSH],
    ['x=$(~/.ssh/x)', SSH],
  ])('%s is refused', async (line, rule) => {
    await expectRefused(standard, line, rule);
  });

  it('is refused under an allowlist too (by its entries first)', async () => {
    await expectRefused(locked, '~/.ssh/x', 'allowedCommands: no match');
  });

  it('programs elsewhere stay allowed', async () => {
    for (const line of [
      './build.sh',
      '/usr/bin/ls -la',
      '~/bin/tool',
      'node_modules/.bin/vitest run',
      '~/.local/bin/pipx list',
      'cd /usr && bin/true',
      'ls ~/.sshx',
      '~/.ssh-tools/run',
    ])
      await expectAllowed(standard, line);
  });
});
