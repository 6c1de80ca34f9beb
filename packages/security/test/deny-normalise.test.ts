// Deny rules mean the operation, not one spelling (issue 11 §2): flags normalised per program
// (case where the program ignores it, long options and their abbreviations, bundles, `--`), paths
// (`//`, `/./`, `..`, trailing `/`, `~`/`$HOME`, the directory a `cd` moved to) — for the rules the
// presets ship and for a user's own rules, whose flags are normalised the same way.
import { describe, expect, it } from 'vitest';
import { CommandPolicy } from '../src/command/command-policy';
import { lexicalPath, normalForms, normalRule } from '../src/command/deny-forms';
import { SecurityPresets } from '../src/policy/presets';

const cwd = '/work/project';
const home = '/home/agent';
const trusted = new CommandPolicy(SecurityPresets.trusted);
const standard = new CommandPolicy(SecurityPresets.standard);
const judge = (policy: CommandPolicy, command: string) => policy.check(command, { cwd, home });

async function expectRule(policy: CommandPolicy, command: string, rule: RegExp) {
  const decision = await judge(policy, command);
  expect({ command, allowed: decision.allowed }).toEqual({ command, allowed: false });
  expect(decision.rule).toMatch(rule);
}

const RM_ROOT = /^deniedCommands\[(0|2)\]: rm -rf \/\*?$/;

describe('rm -rf / in every spelling (trusted and standard)', () => {
  it.each([
    'rm -rf /',
    'rm -Rf /',
    'rm -fR /',
    'rm -r -f /',
    'rm -f -R /',
    'rm -fr /',
    'rm --recursive --force /',
    'rm --force --recursive /',
    'rm --rec --for /',
    'rm -r --force /',
    'rm -rf //',
    'rm -rf ///',
    'rm -rf /./',
    'rm -rf /.',
    'rm -rf /..',
    'rm -rf /usr/..',
    'rm -rf /usr/lib/../..',
    'rm -rf -- /',
    'rm -rf --no-preserve-root /',
    'rm -Rf --one-file-system //./',
    '\\rm -rf /',
    'command rm -rf /',
    '/bin/rm -rf /',
    '/usr/bin/rm -R -f /',
    'env rm --recursive --force /',
    'cd / && rm -rf .',
    'cd / && rm -rf *',
    'cd /usr && rm -rf ..',
    'cd /tmp; rm -Rf ../',
    'cd - && rm -rf .',
    'rm -rf /proc/self/root/',
    "bash -c 'rm -Rf //'",
  ])('%s', async (command) => {
    await expectRule(trusted, command, RM_ROOT);
    await expectRule(standard, command, RM_ROOT);
  });

  it.each([
    'rm -rf ~',
    'rm -rf ~/',
    'rm -rf ~/.',
    'rm -Rf $HOME',
    'rm -rf "$HOME"/',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's ${HOME}, not a template
    'rm -rf ${HOME}/',
    'rm --recursive --force /home/agent/',
    'rm -rf /home/agent/x/..',
    'cd ~ && rm -rf .',
  ])('%s', (command) => expectRule(trusted, command, /^deniedCommands\[1\]: rm -rf ~$/));
});

describe("standard's other deny rules in other spellings", () => {
  it.each([
    ['chmod -R 777 /', /chmod -R 777 \//],
    ['chmod --recursive 777 /', /chmod -R 777 \//],
    ['chmod --rec 777 //', /chmod -R 777 \//],
    ['chmod 777 -R /', /chmod -R 777 \//],
    ['chmod -R 0777 /', /chmod -R 777 \//],
    ['chmod -R 1777 /./', /chmod -R 777 \//],
    ['chmod -R a+rwx /', /chmod -R 777 \//],
    ['chmod -R ugo=rwx /', /chmod -R 777 \//],
    ['chmod -R u=rwx,g=rwx,o=rwx /', /chmod -R 777 \//],
    ['cd / && chmod -R 777 .', /chmod -R 777 \//],
    ['chown -R me /srv', /chown -R/],
    ['chown --recursive me /srv', /chown -R/],
    ['chown -hR me:me /srv', /chown -R/],
    ['chown --recu me /srv', /chown -R/],
    ['kill -9 -1', /kill -9 -1/],
    ['kill -KILL -1', /kill -9 -1/],
    ['kill -s KILL -- -1', /kill -9 -1/],
    ['mkfs.ext4 /dev/sda1', /mkfs\*/],
    ['/sbin/mkfs -t ext4 /dev/sda', /mkfs\*/],
    ['dd if=/dev/zero of=//dev/./sda bs=1M', /dd of=\/dev\/\*/],
  ])('%s', (command, rule) => expectRule(standard, command, rule));
});

describe("a user's own deny rules mean the operation", () => {
  const policy = new CommandPolicy({
    deniedCommands: ['rm -R /data', 'cp --recursive /secrets', 'chmod -R 777'],
  });
  it.each([
    ['rm -r /data', 0],
    ['rm -rf /data/', 0],
    ['rm --recursive /data/.', 0],
    ['rm -R /srv/../data', 0],
    ['cd /data && rm -r .', 0],
    ['cp -r /secrets /tmp/x', 1],
    ['cp -R /secrets/ /tmp/x', 1],
    ['cp -a -r //secrets /tmp/x', 1],
    ['chmod --recursive 0777 build', 2],
    ['chmod -R a=rwx build', 2],
  ])('%s', (command, index) => expectRule(policy, command, new RegExp(`^deniedCommands\\[${index}\\]`)));

  it.each(['rm /data/x', 'rm -r /data2', 'cp /secrets/a /tmp', 'chmod -R 755 build', 'chmod 777 build'])(
    'allows %s',
    async (command) => expect((await judge(policy, command)).allowed).toBe(true),
  );
});

describe('everyday commands stay allowed', () => {
  it.each([
    'rm -rf node_modules',
    'rm -r build/',
    'rm -rf ./dist',
    'rm -rf build/*',
    'rm -f /tmp/x.log',
    'rm -rf /tmp/build-123',
    'cd /tmp && rm -rf build',
    'rm -- -rf',
    'rm -rf -- -r /tmp/x',
    'chmod -R u+w .',
    'chmod -R 755 build',
    'chmod +x script.sh',
    'chmod 777 /tmp/scratch',
    'chown me file.txt',
    'kill -9 1234',
    'kill -TERM 1234',
    'kill %1',
    'dd if=/dev/zero of=disk.img bs=1M count=1',
  ])('%s under standard and trusted', async (command) => {
    for (const policy of [standard, trusted]) {
      const decision = await judge(policy, command);
      expect({ command, allowed: decision.allowed, rule: decision.rule }).toMatchObject({
        command,
        allowed: true,
      });
    }
  });
});

describe('normal forms', () => {
  it('spells paths lexically', () => {
    expect(['//', '/./', '/..', '/usr/..', 'a/../..', './x/', '.'].map(lexicalPath)).toEqual([
      '/',
      '/',
      '/',
      '/',
      '..',
      'x',
      '.',
    ]);
  });

  it("normalises a rule's own flags", () => {
    expect(normalRule('rm -Rf /')).toBe('rm -r -f /');
    expect(normalRule('/bin/rm --recursive //')).toBe('/bin/rm -r /');
    expect(normalRule('chmod --recursive 0777 /')).toBe('chmod -R 777 /');
    expect(normalRule('dd of=/dev/*')).toBe('dd of=/dev/*');
  });

  it('keeps chmod letters (chmod -r is a mode, not recursion) and an option value whole', () => {
    expect(normalForms({ program: 'chmod', argv: ['-r', 'f'] }, [cwd], home)[0]?.argv).toEqual(['-r', 'f']);
    expect(normalForms({ program: 'cp', argv: ['-Rt', '/x', 'a'] }, [cwd], home)[0]?.argv).toEqual([
      '-r',
      '-t',
      '/x',
      'a',
    ]);
  });
});
