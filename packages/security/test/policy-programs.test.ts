// Programs under an allowlist (issue 11 §2, §3): wrappers whose real command is supplied elsewhere
// (`env -S`, `xargs`, `find -exec`), forms in which an allowed interpreter or git runs code that is
// in no file (inline code, code from stdin, code-running options and configuration), option
// grammars for `deniedOptions` (short and long spellings, only where the program parses options),
// and the everyday commands that must stay allowed.
import { describe, expect, it } from 'vitest';
import { CommandPolicy } from '../src/command/command-policy';
import { SecurityPresets } from '../src/policy/presets';
import { developer, developerPolicyInput, judge } from './developer-policy';

const locked = new CommandPolicy(SecurityPresets.locked);
// The developer policy plus entries that name code-running forms explicitly.
const namedForms = new CommandPolicy({
  ...developerPolicyInput,
  allowedCommands: [
    ...(developerPolicyInput.allowedCommands ?? []),
    'python3 -c',
    'python3 -',
    'node -e',
    'git -c',
    'git filter-branch',
  ],
});
// An allowlist whose rules refuse options, with wrappers allowed, and no forbidden paths.
const refusing = new CommandPolicy({
  allowedCommands: [
    { command: 'git log', deniedOptions: ['--output'] },
    { command: 'git grep', deniedOptions: ['--open-files-in-pager'] },
    { command: 'node', deniedOptions: ['--eval', '-r'] },
    { command: 'sort', deniedOptions: ['-o', '--output'] },
    'xargs',
    'find',
    'env',
    'echo',
  ],
});

async function expectDenied(policy: CommandPolicy, command: string, rule?: string | RegExp) {
  const decision = await judge(policy, command);
  expect(decision.allowed, `${command} should be denied`).toBe(false);
  if (typeof rule === 'string') expect(decision.rule).toBe(rule);
  else if (rule) expect(decision.rule).toMatch(rule);
  return decision;
}

async function expectAllowed(policy: CommandPolicy, command: string) {
  const decision = await judge(policy, command);
  expect(decision.allowed, `${command} should be allowed: ${decision.rule} ${decision.reason}`).toBe(true);
}

describe('env -S: the split string is judged as the command env runs', () => {
  it.each([
    "env -S 'cat secret/key'",
    "env -S'cat secret/key'",
    "env --split-string='cat secret/key'",
    "env --split-str 'cat secret/key'",
    "env -S 'cat\\_secret/key'",
    'env -S \'cat "secret/key"\'',
    'env -S "cat \'secret\'/key"',
    "env -i -S 'cat secret/key'",
    "env -u HOME -S 'cat secret/key'",
    "env -C /tmp -S 'cat /work/project/secret/key'",
    "env -iS'cat secret/key'",
    "env -vS 'cat secret/key'",
    "env -S '-i cat secret/key'",
    "env -S'-S cat\\_secret/key'",
    "env -S 'cat' secret/key",
    "env -S 'ls' secret",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: env -S's own ${NAME} syntax
    "env -S 'cat ${HOME}/.ssh/id_rsa'",
  ])('%s reads the forbidden file', async (command) => {
    await expectDenied(developer, command, /^forbidden-path:/);
  });

  it.each([
    ["env -S 'curl\\_example.com'", 'allowedCommands: no match'],
    ["env -S 'python3 -c x'", 'inline-code'],
    ["env -S 'node\\_-e\\_x'", 'inline-code'],
    ["env -S 'ca\\ct secret/key'", 'allowedCommands: no match'],
    ["env -S 'cat\\tsecret/key'", 'allowedCommands: no match'],
    ["env -S 'cat $X'", 'unsupported-wrapper:env'],
    ["env -S 'cat \\q'", 'unsupported-wrapper:env'],
    ["env -S 'cat \"open'", /^(unsupported-wrapper:env|parse-error)$/],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: env -S's own ${NAME} syntax
    ["env -S 'cat ${X}'", 'non-literal-path'],
  ])('%s is denied (%s)', async (command, rule) => {
    await expectDenied(developer, command, rule);
  });

  it.each([
    "env -S 'echo hi' cat secret/key",
    "env -S 'echo # cat secret/key'",
    "env -S 'ls -la' src",
    'env ls -la',
  ])('%s stays allowed', async (command) => {
    await expectAllowed(developer, command);
  });
});

describe('xargs: arguments from its input are unknown', () => {
  it.each([
    ['echo x | xargs env', 'non-literal-command'],
    ['echo secret/key | xargs cat', 'non-literal-path'],
    ['find . -name "*.js" | xargs wc -l', /./],
    ['echo x | xargs -a list.txt cat', 'non-literal-path'],
    ['echo x | xargs python3', 'inline-code'],
    ['echo x | xargs node', 'inline-code'],
    ['echo x | xargs -0 python3 -c', 'inline-code'],
    ['echo x | xargs git log', /./],
    ["echo x | xargs -I{} sh -c 'cat {}'", 'non-literal-command'],
    ["printf 'a\\n' | xargs -i bash -c 'echo {}'", 'non-literal-command'],
    ["echo x | xargs --replace=% sh -c 'echo %'", 'non-literal-command'],
  ])('%s is denied under the developer policy (%s)', async (command, rule) => {
    await expectDenied(developer, command, rule);
  });

  it.each([
    ['echo x | xargs git log', 'allowedCommands[0]: git log: refused'],
    ['echo x | xargs -n1 git log --oneline', 'allowedCommands[0]: git log: refused'],
    ['echo x | xargs -I % sort %', 'allowedCommands[3]: sort: refused'],
  ])('%s: the unknown argument could be a refused option (%s)', async (command, rule) => {
    await expectDenied(refusing, command, rule);
  });

  it("the input after a script is the script's arguments, not node's options", async () => {
    await expectAllowed(refusing, 'echo x | xargs node a.js');
  });

  it.each(['echo a b | xargs -n1 echo', 'echo a | xargs', 'echo x | xargs -0 echo'])(
    '%s stays allowed',
    async (command) => {
      await expectAllowed(developer, command);
    },
  );
});

describe('find -exec: the found paths and the command', () => {
  it.each([
    ['find . -exec cat {} +', /^forbidden-path:/],
    ['find . -exec cat {} \\;', /^forbidden-path:/],
    ['find secret -exec cat {} +', /^forbidden-path:/],
    ['find . -execdir cat {} \\;', /^forbidden-path:/],
    ['find . -ok cat {} \\;', /^forbidden-path:/],
    ['find . -okdir cat {} \\;', /^forbidden-path:/],
    ['find src -exec curl {} \\;', 'allowedCommands: no match'],
    ['find src -exec node -e x {} \\;', 'inline-code'],
    ['find src -exec {} \\;', 'non-literal-command'],
    ['find src -exec cat {}/../../secret/key \\;', 'non-literal-path'],
    ['find src -execdir cat key \\;', 'non-literal-path'],
    ['find src -execdir ./run.sh {} \\;', 'non-literal-command'],
    ['find . -delete', /find: refused$/],
    ['find src -fprint /tmp/x', /find: refused$/],
  ])('%s is denied (%s)', async (command, rule) => {
    await expectDenied(developer, command, rule);
  });

  it('judges the -exec command against the rule of its program', async () => {
    await expectDenied(
      refusing,
      'find src -exec git log --output=x {} \\;',
      'allowedCommands[0]: git log: refused',
    );
    await expectDenied(refusing, 'find src -exec node --ev x {} \\;', 'allowedCommands[2]: node: refused');
  });

  it.each([
    "find src -name '*.js' -exec wc -l {} +",
    'find src -exec python3 {} \\;',
    "find src -name '*.py' -exec python3 -m py_compile {} +",
    'find src -type f -print',
  ])('%s stays allowed', async (command) => {
    await expectAllowed(developer, command);
  });
});

describe('interpreters: code that is in no file', () => {
  it.each([
    "python3 -c 'import os'",
    "python3 -Bc 'import os'",
    'python3 -cimport\\ os',
    "python3 -E -s -c 'x'",
    "python3 -W error -c 'x'",
    "python3 -Ic 'x'",
    "python3 -ic 'x'",
    'python3 -X dev -i script.py',
    'python3 - <<EOF\nimport os\nEOF',
    "echo 'import os' | python3",
    "python3 <<< 'import os'",
    'python3 < a.py',
    'python3',
    "python3 -m timeit -s 'import os' 'x'",
    "python3 -mtimeit 'x=1'",
    'python3 -m code',
    'python3 -m pdb a.py',
    'python3 -m asyncio',
    'python3 $SCRIPT',
    'python3 "$F" -c x',
    'python3 -m "$M"',
    "node -e 'x'",
    "node --eval 'x'",
    'node --eval=x',
    'node --ev x',
    'node -p 1',
    'node -pe 1',
    'node --print 1',
    'node -i',
    'node --import data:text/javascript,x a.js',
    'node --import=data:text/javascript,x a.js',
    'node --experimental-loader data:text/javascript,x a.js',
    'node --loader=https://example.com/x.mjs a.js',
    'node -r data:text/javascript,x a.js',
    'node --test-reporter=data:text/javascript,x --test',
    'node --test --test-reporter data:text/javascript,x',
    'echo x | node',
    'node -',
    'node <<EOF\nx\nEOF',
    "node <<< 'x'",
    'node',
    'node $X',
    'node --not-a-known-option x -e code',
  ])('%s is inline code', async (command) => {
    const decision = await expectDenied(developer, command, 'inline-code');
    expect(decision.reason).toMatch(/code|option|standard input/);
  });

  it.each(['node --env-file=.env a.js', 'node --env-file-if-exists=.env a.js', 'node --run build'])(
    '%s runs code the policy cannot see',
    async (command) => {
      await expectDenied(developer, command, 'runs-code');
    },
  );

  it('names the option and the entry that would allow it', async () => {
    const decision = await expectDenied(developer, 'python3 -Wignore -c "print(1)"', 'inline-code');
    expect(decision.reason).toContain("'-c'");
    expect(decision.reason).toContain("'python3 -c'");
    const pager = await expectDenied(developer, 'git -c core.pager=sh log', 'runs-code');
    expect(pager.reason).toContain('core.pager');
    const grep = await expectDenied(developer, 'git grep -Ocat foo');
    expect(grep.reason).toContain('-O');
  });

  it.each([
    "python3 -c 'print(1)'",
    "python3 - <<< 'print(1)'",
    "node -e 'x'",
    'git -c core.pager=cat log',
    "git filter-branch --tree-filter 'true' HEAD",
  ])('%s is allowed where an entry names the form', async (command) => {
    await expectAllowed(namedForms, command);
  });

  it('an entry names a form as it is written', async () => {
    await expectDenied(namedForms, "node --eval 'x'", 'inline-code');
  });

  it('an entry naming one form does not allow another', async () => {
    await expectDenied(namedForms, 'python3 -m timeit x', 'inline-code');
    await expectDenied(namedForms, 'node -p x', 'inline-code');
  });
});

describe('git: options and configuration that run commands', () => {
  it.each([
    'git grep -Ocat foo',
    'git grep -O cat foo',
    'git grep -nOcat foo',
    'git grep --open-files-in-pager=cat foo',
    'git grep --open-files-in-pager foo',
    'git grep --open foo',
    'git -c core.pager=sh log',
    'git -c Core.Pager=sh log',
    "git -c alias.x='!sh' x",
    'git -c core.fsmonitor=./x status',
    'git -c include.path=./evil status',
    "git -c diff.x.textconv='sh -c id' log -p",
    'git -c core.sshCommand=x status',
    'git -c "$CFG" status',
    'git --config-env=core.pager=X log',
    'git --exec-path=./bin status',
    'git log --ext-diff',
    'git show --ext-diff HEAD',
    'git difftool -x cat',
    'git difftool --extcmd=cat',
    'git mergetool',
    'git submodule foreach cat',
    "git rebase --exec 'sh' HEAD~1",
    'git rebase --exe sh HEAD~1',
    'git rebase -x sh HEAD~1',
    'git bisect run sh',
    "git filter-branch --tree-filter 'rm x'",
    'git archive --remote=x HEAD',
    'git archive --exec=x --remote=y HEAD',
    'git fetch --upload-pack=x',
    'git clone -u x y',
    'git clone --config core.fsmonitor=x a b',
    'git for-each-repo --config=x log',
    'git maintenance start',
    "git config alias.x '!sh'",
    'git config core.fsmonitor ./x',
    'git config set core.pager less',
    'git config --global --add include.path ~/x',
    'git config -e',
    'git lol',
    'git $SUB',
    'git log $REV',
  ])('%s is denied', async (command) => {
    await expectDenied(
      developer,
      command,
      /^(runs-code|capability:canNetwork|allowedCommands\[\d+\]: git [a-z]+: refused)$/,
    );
  });
});

describe('deniedOptions by the program grammar', () => {
  it.each([
    'git log --output=/tmp/x',
    'git log --output /tmp/x',
    'git log --outp=/tmp/x',
    'git log --out /tmp/x',
    'git log -p --output=/tmp/x HEAD',
    'git log HEAD --output=/tmp/x',
    'git log --textconv',
    'git diff --ext-diff',
    'git grep -Ocat foo',
    'git grep -nO foo',
    'git grep --open-files-in-pager foo',
    'git branch -D main',
    'git branch --delete main',
    'git branch -vd main',
    'node --test --eval x',
    'node --test -e x',
    'node --test --require ./x.js',
    'node --test -r ./x.js',
    'node --test --import=./x.mjs',
    'node --test --loader ./x.mjs',
    'node --test --experimental-loader=./x.mjs',
    'node --test --env-file=.env',
    'node --test -i',
    'sort -o out.txt in.txt',
    'sort --output=out.txt in.txt',
    'npm test --prefix /tmp',
    'npm test -C /tmp',
  ])('the locked preset refuses %s', async (command) => {
    await expectDenied(locked, command, /: refused$|^(runs-code|inline-code)$/);
  });

  it.each([
    'git log -S --output',
    'git log --grep=--output',
    'git log -- --output=x',
    'git log --oneline -5',
    'git log -n 3 --stat',
    'git diff --stat HEAD~1',
    'git show HEAD --stat',
    'git grep -n foo src',
    'git grep -e -O -- src',
    'git branch -a',
    'git branch --list',
    'node --test test/',
    'node --test --test-reporter=spec',
    'python3 -m pytest -x',
    'pytest -x -k foo',
    'npm test -- --prefix=x',
    'npm run test -- --watch',
  ])('the locked preset allows %s', async (command) => {
    await expectAllowed(locked, command);
  });

  it('a denied long option is also refused in its short spelling, and the other way round', async () => {
    await expectDenied(refusing, 'git grep -O foo', 'allowedCommands[1]: git grep: refused');
    await expectDenied(refusing, 'git grep -iOless foo', 'allowedCommands[1]: git grep: refused');
    await expectDenied(refusing, 'node -e x', 'allowedCommands[2]: node: refused');
    await expectDenied(refusing, 'node --require=./x.js a.js', 'allowedCommands[2]: node: refused');
    await expectAllowed(refusing, 'node a.js --eval -r');
    await expectAllowed(refusing, 'sort -k2 in.txt');
  });

  it('an argument known only at run time could be a refused option', async () => {
    await expectDenied(refusing, 'git log $OPT', 'allowedCommands[0]: git log: refused');
    await expectDenied(refusing, 'sort $F', 'allowedCommands[3]: sort: refused');
    // A glob none of whose matches starts with `-` is not an option (glob-options.ts; the refusal
    // where one does is in policy-everyday-2.test.ts).
    await expectAllowed(refusing, 'git log *');
    await expectAllowed(refusing, 'git log -- "$F"');
    await expectAllowed(refusing, 'git log src/*.js');
  });
});

describe('everyday commands stay allowed (over-blocking is a defect too)', () => {
  it.each([
    'python3 -Wignore::DeprecationWarning script.py',
    'python3 -W ignore::UserWarning -OO script.py',
    'python3 script.py -c config.yml',
    'python3 script.py -m model -i input.txt -',
    'python3 manage.py runserver -p 8000',
    'python3 -u -B script.py --verbose',
    'python3 -X importtime script.py',
    'python3 -m pytest -x',
    'python3 -m pytest -c pytest.ini -k test_x',
    'python3 -m venv .venv',
    'python3 -m json.tool data.json',
    'python3 --version',
    'python3 -V',
    'node src/index.js -p 3000',
    'node src/index.js -e production --print',
    'node a.js',
    'node --test test/',
    'node --test',
    'node --test --test-reporter spec test/',
    'node --inspect=0 a.js',
    'node --max-old-space-size=4096 a.js',
    'node --enable-source-maps --trace-warnings dist/index.js',
    'node --require=./setup.js a.js',
    'node --import=./register.mjs src/index.js',
    'node --title x a.js --eval y',
    'node --check a.js',
    'node --version',
    'git log --oneline -5',
    'git log -n3 --since=yesterday',
    'git log --format=%H -n 3',
    'git log --no-ext-diff -p',
    'git -C sub status',
    'git -c color.ui=always log',
    'git -c user.name=x commit -m y',
    "git commit -m 'x -c y'",
    'git config user.name Bob',
    'git config --get alias.x',
    'git grep -e foo -- src',
    'git rebase -i HEAD~2',
    'git bisect start',
    'git stash list',
    'git worktree list',
    'git blame src/a.js',
    'git diff HEAD',
    'npm run build -- --watch',
    'npm test -- -t foo',
    'npm run lint -- --fix',
  ])('%s', async (command) => {
    await expectAllowed(developer, command);
  });
});
