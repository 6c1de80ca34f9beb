// The review's `cd` classes (issue 11): bash's logical `cd` (`cd /bin/..` is `/` although /bin is a
// symlink to /usr/bin), process links in /proc reached through symlinks (`/dev/fd/../../self/cwd`),
// shell options and variables that move a later `cd` (cdable_vars, cdspell, autocd, dirspell,
// CDPATH, HOME), and the presets' secret paths.
import { mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandPolicy } from '../src/command/command-policy';
import { SecurityPresets } from '../src/policy/presets';
import { developer, developerPolicyInput, expectAllowed, expectDenied, HOME } from './developer-policy';

const trusted = new CommandPolicy(SecurityPresets.trusted);
const standard = new CommandPolicy(SecurityPresets.standard);
const locked = new CommandPolicy(SecurityPresets.locked);
// Deny rules only, no forbidden paths.
const denyOnly = new CommandPolicy({ deniedCommands: ['rm -rf /*'] });
const PROC = 'forbidden-path:/proc/<pid>/root|cwd|fd';

// A tree with a symlinked directory: root/link → root/deep/er, root/secret forbidden.
let root = '';
let paths: CommandPolicy;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'orchflow-review-cd-'));
  mkdirSync(join(root, 'deep/er'), { recursive: true });
  mkdirSync(join(root, 'secret'));
  mkdirSync(join(root, 'work'));
  writeFileSync(join(root, 'secret/key'), 'k');
  writeFileSync(join(root, 'deep/notes'), 'n');
  symlinkSync(join(root, 'deep/er'), join(root, 'link'));
  symlinkSync('../deep/er', join(root, 'work/rel'));
  paths = new CommandPolicy({
    allowedCommands: ['cat', 'ls', 'cd', 'head', 'grep', 'pushd', 'shopt', 'rm', 'mkdir'],
    forbiddenPaths: [join(root, 'secret')],
  });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const binIsLink = (() => {
  try {
    return readlinkSync('/bin').length > 0;
  } catch {
    return false;
  }
})();

describe('cd is logical: `..` after a symlinked directory goes back up textually', () => {
  it
    .runIf(binIsLink)
    .each([
      'cd /bin/.. && cat etc/shadow',
      'cd /bin/../ ; head -1 etc/shadow',
      'cd /bin/./.. && cat ./etc/shadow',
      'cd /sbin/.. && cat etc//shadow',
      'cd /bin && cd .. && cat etc/shadow',
      'cd /lib/.. && cd etc && cat shadow',
    ])('%s', async (command) => {
    await expectDenied(developer, command, 'forbidden-path:/etc/shadow');
  });

  it.runIf(binIsLink).each([
    ['trusted', 'cd /bin/.. && rm -rf -- *', trusted],
    ['standard', 'cd /bin/.. && rm -rf -- *', standard],
    ['trusted', 'cd /bin && cd .. && rm -rf *', trusted],
    ['deny rules only', 'cd /sbin/../ && rm -rf ./*', denyOnly],
  ])('%s: %s', async (_name, command, policy) => {
    await expectDenied(policy, command, /^deniedCommands/);
  });

  it('in a tree of its own, through absolute and relative symlinks and pushd', async () => {
    await expectDenied(paths, `cd ${root}/link/.. && cat secret/key`, `forbidden-path:${root}/secret`);
    await expectDenied(paths, `cd ${root}/link && cd .. && cat secret/key`, `forbidden-path:${root}/secret`);
    await expectDenied(paths, `pushd ${root}/link/.. && cat secret/key`, `forbidden-path:${root}/secret`);
    await expectDenied(
      paths,
      'cd rel/../.. && ls secret',
      `forbidden-path:${root}/secret`,
      join(root, 'work'),
    );
    // The kernel's walk is judged too: `cd -P` and relative operands go up from the target.
    await expectDenied(paths, `cd ${root}/link && cat ../../secret/key`, `forbidden-path:${root}/secret`);
    await expectDenied(paths, `cat ${root}/link/../../secret/key`, `forbidden-path:${root}/secret`);
    // A path operand with `..` is also judged textually (tools that normalise paths).
    await expectDenied(paths, `cat ${root}/link/../secret/key`, `forbidden-path:${root}/secret`);
  });

  it('everyday cds stay allowed', async () => {
    await expectAllowed(paths, `cd ${root}/link/.. && cat deep/notes`);
    await expectAllowed(paths, `cd ${root}/link && ls ..`);
    await expectAllowed(paths, 'cd rel && ls', join(root, 'work'));
    await expectAllowed(paths, `cd ${root}/deep && cat notes && cd .. && ls`);
  });
});

describe('process links in /proc through symlinks and `..`', () => {
  it.each([
    'cat /dev/fd/../../self/cwd/secret/key',
    'cat /dev/stdin/../../cwd/secret/key',
    'cat /dev/fd/../cwd/secret/key',
    'cat /proc/self/fd/../cwd/secret/key',
    'cat /proc/thread-self/../self/root/etc/shadow',
    'cat /dev/fd/3/secret/key',
    'ls /dev/fd/0/',
    'cat /proc/net/../self/cwd/secret/key',
    'cat /dev/fd/../../1/cwd/x',
    'head /dev/stderr/../../root/etc/shadow',
    'cat /dev/fd/../../self/cwd/s*/key',
  ])('%s', async (command) => {
    await expectDenied(developer, command, PROC);
  });

  it('cd into a process link makes the directory unknown', async () => {
    await expectDenied(developer, 'cd /dev/fd/../../self/cwd && cat secret/key', /^forbidden-path:/);
    await expectDenied(developer, 'cd /proc/self/cwd && cat secret/key', /^forbidden-path:/);
  });

  it('the shell’s own open files stay usable', async () => {
    await expectAllowed(developer, 'cat /dev/stdin');
    await expectAllowed(developer, 'cat /dev/fd/0');
    await expectAllowed(developer, 'echo hi > /dev/stderr');
    await expectAllowed(developer, 'cat /proc/self/status');
    await expectAllowed(developer, 'ls /proc');
  });
});

describe('options and variables that move a later cd', () => {
  it.each(['cdable_vars', 'cdspell', 'autocd', 'dirspell'])('shopt -s %s', async (option) => {
    for (const policy of [developer, trusted, standard, locked, denyOnly, paths])
      await expectDenied(policy, `shopt -s ${option}`, `shell-option:${option}`);
    await expectDenied(
      developer,
      `shopt -s extglob ${option}; cd secre && cat key`,
      `shell-option:${option}`,
    );
    await expectDenied(trusted, `shopt -qs ${option}`, `shell-option:${option}`);
  });

  it('a run-time option name, and switching options off or querying them, stay apart', async () => {
    await expectDenied(trusted, 'shopt -s $OPT', 'shell-option:non-literal');
    await expectAllowed(trusted, 'shopt -u cdspell');
    await expectAllowed(trusted, 'shopt cdable_vars');
    await expectAllowed(trusted, 'shopt -s globstar');
    await expectAllowed(new CommandPolicy({}), 'shopt -s cdspell');
  });

  it('a cd to a directory that does not exist makes relative paths unknown', async () => {
    await expectDenied(paths, 'cd secre && cat key', 'forbidden-path:unknown-cwd', root);
    await expectDenied(paths, 'cd Secret; head key', 'forbidden-path:unknown-cwd', root);
    await expectDenied(
      paths,
      'cd work/nothere && cat ../../secret/key',
      `forbidden-path:${root}/secret`,
      root,
    );
    // Absolute paths after it are still judged by name.
    await expectAllowed(paths, `cd nothere; cat ${root}/deep/notes`, root);
    await expectAllowed(paths, 'cd deep && cat notes', root);
    // A directory the line itself makes is where its cd goes.
    await expectAllowed(paths, 'mkdir build && cd build && cat notes', root);
    await expectAllowed(paths, 'mkdir -p out/x/ && cd out/x && ls', root);
    await expectDenied(paths, 'mkdir build && cd secre && cat key', 'forbidden-path:unknown-cwd', root);
  });

  it.each([
    'CDPATH=/etc; cd . && cat shadow',
    'export CDPATH=/etc; cd x && cat shadow',
    'CDPATH=/etc cd . && cat shadow',
    'HOME=/etc; cd && cat shadow',
    'declare -x HOME=/etc; cd; cat shadow',
  ])('%s', async (command) => {
    const trustedPaths = new CommandPolicy({ ...SecurityPresets.trusted, forbiddenPaths: ['/etc/shadow'] });
    await expectDenied(trustedPaths, command, /^forbidden-path:(unknown-cwd|\/etc\/shadow)$/);
  });
});

describe('the presets forbid the usual secret files', () => {
  it.each([
    'cat /etc/shadow-',
    'cat /etc/gshadow-',
    'cat /etc/sudoers.d/90-cloud-init-users',
    'ls /etc/sudoers.d',
    'cat ~/.netrc',
    `cat ${HOME}/.git-credentials`,
    'cat ~/.docker/config.json',
    'cat ~/.npmrc',
    'cat ~/.pypirc',
    'cat ~/.config/gh/hosts.yml',
    'cat /proc/1/environ',
    'cat /proc/self/../1/environ',
  ])('%s', async (command) => {
    // trusted has no forbidden paths.
    for (const policy of [standard, locked, developer])
      await expectDenied(policy, command, /^forbidden-path:/);
  });

  it('neighbours stay readable', async () => {
    await expectAllowed(standard, 'cat /etc/passwd');
    await expectAllowed(standard, 'cat ~/.config/git/config');
    await expectAllowed(standard, 'cat /proc/1/status');
    expect(developerPolicyInput.forbiddenPaths).toContain('~/.netrc');
  });
});
