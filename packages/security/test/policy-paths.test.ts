// Forbidden paths in every form bash can reach them (issue 11 §2 "Paths"): after a `cd` to an
// unknown directory, through a program's default walk (`grep -r key` searches `.`), find's
// traversal, glob forms (POSIX classes, negation, extglob, globstar), symlinks and `..`; and the
// over-blocking of §3: search terms, patterns and option values are not paths. A denial names a
// path as the caller wrote it (`~/x`), never the server's home directory that `~` expands to.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandPolicy } from '../src/command/command-policy';
import { tildeHomeIn } from '../src/command/home-bound';
import {
  developer,
  developerPolicyInput,
  expectAllowed,
  expectDenied,
  HOME,
  judge,
  WORKSPACE,
} from './developer-policy';

const SECRET = `forbidden-path:${WORKSPACE}/secret`;
const FORBIDDEN = developerPolicyInput.forbiddenPaths ?? [];
// The same forbidden paths without an allowlist, for programs the developer policy does not allow.
const pathsOnly = new CommandPolicy({ forbiddenPaths: FORBIDDEN });

describe('absolute paths after a cd to an unknown directory', () => {
  it.each([
    ['cd - && cat /etc/shadow', 'forbidden-path:/etc/shadow'],
    ['cd -- - && cat /etc/shadow', 'forbidden-path:/etc/shadow'],
    ['cd /$U && cat ~/.ssh/id_rsa', 'forbidden-path:~/.ssh'],
    ['cd - ; cat $HOME/.ssh/config', 'forbidden-path:~/.ssh'],
    ['cd -; grep -r key /work/project', SECRET],
    ['cd - && cat /etc/sha*', 'forbidden-path:/etc/shadow'],
    ['cd -P - && head /work/project/secret/key', SECRET],
    ['cd - && cd - && cat /work/project/src/../secret/key', SECRET],
  ])('%s', (command, rule) => expectDenied(developer, command, rule));

  // A `cd` whose target has a run-time part is itself a path the check cannot resolve.
  it.each(['cd "$(pwd)/x" && head /work/project/secret/key', 'cd "$D" && cat /etc/hostname'])(
    '%s',
    (command) => expectDenied(developer, command, /^forbidden-path:/),
  );

  it.each(['pushd /tmp; popd; cat /etc/shadow', 'popd; cat ~/.ssh/id_rsa'])('%s (no allowlist)', (command) =>
    expectDenied(pathsOnly, command, /^forbidden-path:(\/etc\/shadow|~\/\.ssh)$/),
  );

  it.each(['cd - && cat ../secret/key', 'cd $X && cat key', 'popd; cat x'])(
    'still refuses relative paths: %s',
    (command) => expectDenied(pathsOnly, command, 'forbidden-path:unknown-cwd'),
  );

  it.each(['cd - && ls /tmp', 'cd - && cat /etc/hostname', 'cd - && echo done'])('allows %s', (command) =>
    expectAllowed(developer, command),
  );
});

describe('walks that start above a forbidden path', () => {
  it.each([
    'grep -r key',
    'grep -R key',
    'grep --recursive key',
    'grep -d recurse key',
    'grep -rn key .',
    'grep -ril key ./',
    'grep -r key nomatch*', // nullglob may drop the only operand
    'rg key',
    'rg -l key .',
    'git grep key',
    'git grep -e key',
    'git grep key HEAD',
    'git grep key -- "*.js"',
    'git -C /work/project grep key',
    'cp -r . /tmp/x',
    'grep -r key src secret',
  ])('%s', (command) => expectDenied(developer, command, SECRET));

  // Walks that list names and sizes only reveal no contents (docs/security.md, "Walks that skip,
  // walks that list"); naming the forbidden path itself is still refused.
  it.each([
    'rg --files',
    'ls -R',
    'ls -laR .',
    'du',
    'du -sh .',
    'du -sh /work',
    'find',
    'find .',
    'find . -name key',
    'find . -maxdepth 2 -name key',
    'find -L . -type f',
    'find /work -name "*.txt"',
    'tree',
    'tree -L 2',
    'find / -name key',
    'ls -R ~',
  ])('%s lists names only: allowed', (command) => expectAllowed(developer, command));

  it.each([
    ['ls secret', SECRET],
    ['find secret -name key', SECRET],
    ['du -sh ~/.ssh', 'forbidden-path:~/.ssh'],
    ['grep -r key /etc', 'forbidden-path:/etc/shadow'],
    ['git grep key -- ":!src"', /^forbidden-path:/],
  ])('%s', (command, rule) => expectDenied(developer, command, rule));

  it.each(['tar czf /tmp/x.tgz .', 'zip -r /tmp/x.zip .', 'rsync -a . /tmp/copy'])(
    '%s (no allowlist)',
    (command) => expectDenied(pathsOnly, command, SECRET),
  );

  it.each([
    'grep -rn foo src/',
    'grep -r foo src lib',
    'rg foo src',
    'rg --files src',
    'ls',
    'ls -la',
    'ls src',
    'ls -R src',
    'du -sh src',
    'find src -name "*.ts"',
    'find src test -type f -name "*.js"',
    'find . -maxdepth 1', // lists secret's name, not what is inside
    'find . -maxdepth 1 -type d',
    'tree src',
    'tree -L 1',
    'git grep key -- src',
    'git grep -n TODO -- src test',
    'git -C /tmp grep key',
    'cp -r src /tmp/x',
  ])('allows %s', (command) => expectAllowed(developer, command));
});

describe('globs that could match a forbidden path', () => {
  it.each([
    'cat [[:alpha:]]ecret/key',
    'cat [[:lower:]]ecret/key',
    'cat s[!x]cret/key',
    'cat s[^x]cret/key',
    'cat s?cret/key',
    'cat se*et/key',
    'cat {s,t}ecret/key',
    'cat secr[e]t/key',
    'cat [r-t]ecret/key',
    'cat */key',
    'cat **/key',
    'cat ./*/../secret/key',
    'head -n 1 s*/*',
  ])('%s', (command) => expectDenied(developer, command, SECRET));

  it.each([
    ['cat /etc/[[:alpha:]]hadow', 'forbidden-path:/etc/shadow'],
    ['cat /etc/sh[[:alpha:]]dow', 'forbidden-path:/etc/shadow'],
    ['cat /e*/shadow', 'forbidden-path:/etc/shadow'],
    ['cat /*/shadow', 'forbidden-path:/etc/shadow'],
    ['cat ~/.[s]sh/id_rsa', 'forbidden-path:~/.ssh'],
    // dotglob and nocaseglob may have been set by an earlier command in the same shell.
    ['cat ~/*/id_rsa', 'forbidden-path:~/.ssh'],
    ['cat /etc/SHA*', 'forbidden-path:/etc/shadow'],
  ])('%s', (command, rule) => expectDenied(developer, command, rule));

  it.each([
    ['cat @(secret)/key', SECRET],
    ['cat +(s)ecret/key', SECRET],
    ['cat /etc/!(passwd)', 'forbidden-path:extglob'],
    ['cat /etc/?(shadow)', 'forbidden-path:extglob'],
    ['cat ~/@(.ssh)/id_rsa', 'forbidden-path:extglob'],
  ])('extglob %s (no allowlist)', async (command, rule) => {
    // The parser cannot read extglob: under an allowlist it is a parse error; without one the
    // path check still refuses it.
    expect((await judge(developer, command)).allowed).toBe(false);
    await expectDenied(pathsOnly, command, /^forbidden-path:/);
    if (rule === 'forbidden-path:extglob') await expectDenied(pathsOnly, command, rule);
  });

  it.each([
    'cat src/*.js',
    'ls *.md',
    'wc -l src/*.ts test/*.ts',
    'cat s[rc]c/index.js',
    'cat /etc/*.conf',
    'ls /etc/host*',
    'cat src/secret.txt',
    'cat src/secret/key',
    'cat secrets.md',
    'cat ../secretive/file',
  ])('allows %s', (command) => expectAllowed(developer, command));
});

describe('.. and redundant separators', () => {
  it.each([
    'cat src/../secret/key',
    'cat ./secret//key',
    'cat secret/./key',
    'cat src/../../project/secret/key',
    'cat /work/project/src/../secret/key',
    'cat /work//project/./secret/key',
    'cd src && cat ../secret/key',
    'cd /tmp && cat ../work/project/secret/key',
  ])('%s', (command) => expectDenied(developer, command, SECRET));
});

describe('search terms, patterns and option values are not paths', () => {
  it.each([
    'grep -i secret src/index.js',
    'grep -rn secret src/',
    'grep -e secret -r src',
    'grep --regexp=secret src/a.js',
    'grep -E "secret|token" src/a.js',
    'grep -c secret src/a.js src/b.js',
    'grep -A 3 secret src/a.js',
    'grep -l --include="*.js" -r secret src',
    'git log --grep secret',
    'git log --grep=secret --oneline',
    'git log -S secret',
    'git log -Ssecret',
    'git log -G secret -p src',
    'git log --author secret',
    'git show --grep secret HEAD',
    'git commit -m secret',
    'git grep secret -- src',
    'rg secret src',
    'rg -e secret src',
    'rg -g "!secret" foo src',
    'find src -name secret',
    'find src -name "*secret*" -type f',
    'cat src/secret.txt',
  ])('allows %s', (command) => expectAllowed(developer, command));

  it.each([
    "sed -n '/secret/p' src/x.js",
    "awk '/secret/ { print }' src/x.js",
    'sed -e s/secret/x/ src/x.js',
  ])('allows %s (no allowlist)', (command) => expectAllowed(pathsOnly, command));

  it.each([
    'grep secret secret/key',
    'grep -f secret/key src',
    'grep -fsecret/key src',
    'grep -e x secret/key',
    'grep --file=secret/key src',
    'rg key secret',
    'rg -f secret/key src',
    'find src -newer secret/key',
    'find src -samefile secret/key',
    'git log -- secret/key',
    'git log -p secret',
    'git grep -f secret/key',
  ])('still denies the file operand in %s', (command) => expectDenied(developer, command, SECRET));

  it.each([
    'sed -n p secret/key',
    'awk 1 secret/key',
    'sed -f secret/key src/x.js',
    'awk -f secret/key src/x',
  ])('still denies the file operand in %s (no allowlist)', (command) =>
    expectDenied(pathsOnly, command, SECRET),
  );
});

describe('symlinks and globs against a real workspace', () => {
  const root = mkdtempSync(join(tmpdir(), 'orchflow-paths-'));
  const ws = join(root, 'ws');
  const secret = join(ws, 'secret');
  const policy = new CommandPolicy({
    ...developerPolicyInput,
    forbiddenPaths: [...FORBIDDEN, secret],
  });
  const rule = `forbidden-path:${secret}`;
  // `ln` is not in the developer allowlist: the same forbidden paths without one.
  const noAllowlist = new CommandPolicy({ forbiddenPaths: [...FORBIDDEN, secret] });

  beforeAll(() => {
    mkdirSync(join(ws, 'src'), { recursive: true });
    mkdirSync(secret);
    writeFileSync(join(secret, 'key'), 'k');
    writeFileSync(join(ws, 'src', 'index.js'), '');
    symlinkSync(secret, join(ws, 'link'));
    symlinkSync('..', join(ws, 'src', 'up'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each([
    'cat link/key',
    'cat l*/key',
    'cat [l]ink/key',
    'cat [[:alpha:]]ink/key',
    'cat LINK/key'.replace('LINK', 'l?nk'),
    'cat src/up/secret/key',
    'cat src/up/link/key',
    'cat ./src/../link/key',
    'grep -r key src/up',
    'ls link',
  ])('%s', async (command) => {
    const decision = await judge(policy, command, ws);
    expect({ command, allowed: decision.allowed, rule: decision.rule }).toEqual({
      command,
      allowed: false,
      rule,
    });
  });

  it.each([
    'ln -s secret s; cat s/key',
    'ln -s ../secret src/s',
    'ln -s .. src/up2; cat src/up2/secret/key',
    'ln -s "$PWD" src/here',
  ])('%s (no allowlist)', async (command) => {
    const decision = await judge(noAllowlist, command, ws);
    expect({ command, allowed: decision.allowed }).toEqual({ command, allowed: false });
    expect(decision.rule).toMatch(/^(forbidden-path:|non-literal-path)/);
  });

  it.each(['cat src/index.js', 'grep -rn foo src', 'ls src', 'find src -name "*.js"', 'cat src/*.js'])(
    'allows %s',
    async (command) => expect((await judge(policy, command, ws)).allowed).toBe(true),
  );

  it('judges with the home used by the fixture', () => expect(HOME).toBe('/home/agent'));
});

describe("a denial names a path with '~' as written, not the home directory it expands to", () => {
  // A real home with a real forbidden directory in it, as the server's user would have.
  const home = mkdtempSync(join(tmpdir(), 'orchflow-home-'));
  const policy = new CommandPolicy({ forbiddenPaths: ['~/x'] });
  const ws = join(home, 'ws');

  beforeAll(() => {
    mkdirSync(join(home, 'x'));
    writeFileSync(join(home, 'x', 'key'), 'k');
    mkdirSync(ws);
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it.each([
    ['cat ~/x/key', "'cat ~/x/key' uses '~/x/key', which is under the forbidden path ~/x"],
    ['cd ~/x', "'cd ~/x' uses '~/x', which is under the forbidden path ~/x"],
    ['cat $HOME/x/key', "'cat $HOME/x/key' uses '~/x/key', which is under the forbidden path ~/x"],
    ['grep -r k ~', "'grep -r k ~' uses '~', which is under the forbidden path ~/x"],
    ['cat < ~/x/key', "'< ~/x/key' uses '~/x/key', which is under the forbidden path ~/x"],
    [
      'cat ~/ws/$Y',
      "'~/ws/$Y' in 'cat ~/ws/$Y' is only known at run time (or matches too many files), so whether it reaches a forbidden path cannot be checked; use a literal path",
    ],
    [
      'cd ~/nope && cat key',
      "'cd ~/nope' names a directory that does not exist now, so where it goes (cdspell, cdable_vars, CDPATH) and what 'key' in 'cat key' resolves to is unknown; use an absolute path",
    ],
  ])('%s', async (command, reason) => {
    const decision = await policy.check(command, { cwd: ws, home });
    expect({ allowed: decision.allowed, reason: decision.reason }).toEqual({ allowed: false, reason });
    expect(decision.reason).not.toContain(home);
  });
});

describe("a denial by a command rule names the home directory '~' too", () => {
  const home = mkdtempSync(join(tmpdir(), 'orchflow-home-'));
  const ws = join(home, 'ws');
  beforeAll(() => mkdirSync(ws));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it.each([
    [{ deniedCommands: ['rm -rf ~'] }, 'rm -rf ~', "'rm -rf ~' in 'rm -rf ~' matches a denied command"],
    [
      { deniedCommands: ['rm -rf ~/keep'] },
      'rm -rf $HOME/keep',
      "'rm -rf ~/keep' in 'rm -rf $HOME/keep' matches a denied command",
    ],
    [{ allowedCommands: ['ls'] }, 'cat ~/notes', "'cat ~/notes' in 'cat ~/notes' is not in allowedCommands"],
    [
      { allowedCommands: ['ls'] },
      '~/bin/ls',
      "'~/bin/ls' in '~/bin/ls' is not in the system's program directories, so it is not the 'ls' that allowedCommands[0]: ls allows; run programs by name",
    ],
  ])('%j: %s', async (rules, command, reason) => {
    const decision = await new CommandPolicy(rules).check(command, { cwd: ws, home });
    expect({ allowed: decision.allowed, reason: decision.reason }).toEqual({ allowed: false, reason });
    expect(decision.reason).not.toContain(home);
  });

  it('leaves a path that only starts like the home alone', () =>
    expect(tildeHomeIn(`'${home}x/y' and '${home}/y' and ${home}`, home)).toBe(
      `'${home}x/y' and '~/y' and ~`,
    ));
});
