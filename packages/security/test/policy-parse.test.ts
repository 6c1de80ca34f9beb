// Issue #11 §2/§3 (parse part): substitutions bash runs where tree-sitter-bash sees plain text
// (parameter-expansion words, heredoc bodies, backticks nested in backticks), heredocs that end
// elsewhere than bash ends them, identity tricks (a copied binary under an allowed name, aliases,
// BASH_CMDS, hash -p, shadowing functions, PWD), code that runs later in another directory, and
// the everyday arithmetic and for-loops that must stay allowed. Where it matters, what bash really
// runs is checked with bash itself.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are shell commands, not templates.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandPolicy } from '../src/command/command-policy';
import { SecurityPresets } from '../src/policy/presets';
import { developer, developerPolicyInput, judge } from './developer-policy';

const denylist = new CommandPolicy({ deniedCommands: ['curl', 'rm -rf'] });
const standard = new CommandPolicy({ ...SecurityPresets.standard, deniedCommands: ['curl', 'rm -rf'] });

// Each runs `curl` (a denied, network and non-allowlisted program) only through the construct.
const hiddenSubstitutions = [
  'echo ${x:-`curl x`}',
  'echo ${x:->(curl x)}',
  'echo ${x:-$(curl x)}',
  'echo ${x/a/$(curl)}',
  'echo ${x:+"$(curl)"}',
  'echo ${x#$(curl)}',
  'echo ${x%`curl`}',
  'echo ${x//a/`curl`}',
  'echo ${x:-{a}`curl`}',
  'echo ${x:-${y:-`curl`}}',
  'echo ${x:-"${y:-`curl`}"}',
  `echo "\${x:-'$(curl)'}"`,
  `echo "\${x:-'\`curl\`'}"`,
  'echo "${x:-`curl x`}"',
  'echo `echo \\`curl x\\``',
  'echo "`echo \\`curl x\\``"',
  'echo ${x:-$((1+$(curl)))}',
  'echo ${x:-$((1+`curl`))}',
  'echo $(( $(curl) ))',
  '[[ $x == ${y:-`curl`} ]]',
  'case $x in ${y:-`curl`}) echo;; esac',
  'for i in ${x:-`curl`}; do echo; done',
  'cat <<<${x:+`curl`}',
  'cat <<E\n`curl x`\nE',
  'cat <<E\n$(curl x)\nE',
  'cat <<E\n${x:-$(curl x)}\nE',
  "cat <<E\n'$(curl x)'\nE",
  "cat <<E\n${x:-'$(curl)'}\nE",
  'cat <<E\n${x:-"}"$(curl)}\nE',
  'cat <<E\n$[ $(curl) ]\nE',
  'cat <<E | wc -l\n$((1 + $(curl)))\nE',
  'cat <<$E\n$(curl x)\n$E',
  'cat <<-E\n\t$(curl x)\n\tE',
  'cat <<E\n#$(curl)\nE',
  'cat <<E\n$(: ")" ; curl)\nE',
  'cat <<E\n$(cat <<F\n$(curl)\nF\n)\nE',
  'cat <<E; cat <<F\na\nE\n$(curl)\nF',
  'echo $((curl) )',
];

// bash runs with a generous timeout: the machine may be loaded, and only the outcome matters.
// Quoting that really hides the substitution from bash: these stay allowed.
const quotedAway = [
  "echo ${x:-'$(curl)'}",
  'echo "${x:->(curl x)}"',
  'echo ${x:-\\`curl\\`}',
  'echo `echo \\\\\\`curl x\\\\\\``',
  "cat <<'E'\n$(curl x)\nE",
  'cat <<"$E"\n$(curl x)\n$E',
  'cat <<E""\n$(curl x)\nE',
  'cat <<\\E\n$(curl x)\nE',
  'cat <<E\\F\n$(curl x)\nEF',
  'cat <<-"E"\n\t$(curl x)\n\tE',
  'cat <<E\n\\$(curl x) \\`curl\\`\nE',
  'echo $(( (curl) ))',
];

describe('substitutions hidden in expansions, heredocs and backticks', () => {
  let bin: string;
  let log: string;
  beforeAll(() => {
    bin = mkdtempSync(join(tmpdir(), 'policy-parse-'));
    log = join(bin, 'ran');
    writeFileSync(join(bin, 'curl'), `#!/bin/sh\necho ran >> ${log}\necho 1\n`);
    chmodSync(join(bin, 'curl'), 0o755);
  });
  afterAll(() => rmSync(bin, { recursive: true, force: true }));

  // bash with a fake curl on PATH, once with x unset and once set (for `:+`): did curl run?
  const bashRuns = (command: string): boolean => {
    rmSync(log, { force: true });
    for (const x of ['', 'abc']) {
      try {
        execFileSync('bash', ['-c', command], {
          cwd: bin,
          env: { PATH: `${bin}:/usr/bin:/bin`, ...(x ? { x } : {}) },
          stdio: 'ignore',
          timeout: 10_000,
        });
      } catch {
        // A failing command still tells whether curl ran.
      }
    }
    try {
      execFileSync('test', ['-s', log]);
      return true;
    } catch {
      return false;
    }
  };

  it.each(hiddenSubstitutions)(
    'bash runs the hidden curl in %j, and the policy sees it',
    async (command) => {
      expect(bashRuns(command)).toBe(true);
      const allow = await judge(developer, command);
      expect(allow.allowed).toBe(false);
      const deny = await judge(denylist, command);
      expect(deny.allowed).toBe(false);
      expect(deny.rule).toMatch(/curl|unsure-parse|non-literal/);
    },
    60_000,
  );

  it.each(quotedAway)(
    'bash does not run curl in %j, and the policy allows it',
    async (command) => {
      expect(bashRuns(command)).toBe(false);
      expect((await judge(denylist, command)).allowed).toBe(true);
    },
    60_000,
  );

  it('sees the denied command itself, not only that something is odd', async () => {
    for (const command of ['echo ${x:-`curl x`}', 'cat <<E\n`curl x`\nE', 'echo `echo \\`curl x\\``'])
      expect((await judge(denylist, command)).rule).toBe('deniedCommands[0]: curl');
    expect((await judge(denylist, 'cat <<$E\n$(rm -rf /)\n$E')).rule).toBe('deniedCommands[1]: rm -rf');
  });

  it('refuses heredocs tree-sitter ends elsewhere than bash (trailing blank, indented delimiter)', async () => {
    for (const command of ['cat <<E\nE \n$(curl x)\nE', 'cat <<E\n E\n`curl`\nE', 'cat <<E\nE\t\nx\nE']) {
      for (const policy of [developer, denylist]) {
        const decision = await judge(policy, command);
        expect(decision.allowed).toBe(false);
      }
    }
    expect((await judge(denylist, 'cat <<E\nE \nx\nE')).rule).toBe('unsure-parse:heredoc');
  });

  it('refuses substitutions it cannot delimit (a case pattern inside $( in a heredoc)', async () => {
    const decision = await judge(denylist, 'cat <<E\n$(case a in a) curl;; esac)\nE');
    expect(decision.allowed).toBe(false);
    expect(decision.rule).toBe('unsure-parse');
  });

  it('refuses evaluation inside expansions under the allowlist', async () => {
    for (const command of ['echo ${!x}', '[[ -v a[$(curl)] ]]', 'a[$(curl)]=1', 'echo "${N:-$((N+1))}"'])
      expect((await judge(developer, command)).allowed).toBe(false);
  });
});

describe('identity: a later name running another program', () => {
  it('refuses a program given by a path outside the system program directories', async () => {
    for (const command of [
      'cp /usr/bin/curl ./cat && ./cat http://x',
      './cat x',
      'bin/ls',
      '/tmp/ls -la',
      '/work/project/cat x',
      '~/bin/cat x',
      'cd /tmp && ./cat x',
    ]) {
      const decision = await judge(developer, command);
      expect(decision.allowed, command).toBe(false);
      expect(decision.rule, command).toBe('allowedCommands: program path');
    }
  });

  it('allows system programs by path, and a rule that names a path', async () => {
    for (const command of ['/usr/bin/cat README.md', '/bin/ls -la', '/usr/bin/git status'])
      expect((await judge(developer, command)).allowed, command).toBe(true);
    const byPath = new CommandPolicy({ ...developerPolicyInput, allowedCommands: ['./build.sh'] });
    expect((await judge(byPath, './build.sh')).allowed).toBe(true);
  });

  it('refuses rebinding what a name runs: BASH_CMDS, BASH_ALIASES, hash -p, alias', async () => {
    const rebinding = [
      'BASH_CMDS[ls]=/bin/rm',
      'BASH_ALIASES[ls]=rm',
      "BASH_ALIASES[ls]='rm -rf'",
      'declare -A BASH_ALIASES=([ls]=rm)',
      'BASH_CMDS+=([cat]=/usr/bin/curl)',
      "printf -v 'BASH_CMDS[ls]' /bin/rm",
      'hash -p /bin/rm ls',
      'hash -p /usr/bin/curl cat',
      'alias ls=rm',
      "alias ls='rm -rf'",
      'alias cat=curl',
    ];
    for (const command of rebinding) {
      expect((await judge(developer, command)).allowed, command).toBe(false);
      expect((await judge(denylist, command)).allowed, command).toBe(false);
    }
    // Harmless rebinding under the denylist stays allowed.
    expect((await judge(denylist, "alias ll='ls -la'")).allowed).toBe(true);
    expect((await judge(denylist, 'hash -p /bin/ls ll')).allowed).toBe(true);
  });

  it('refuses loading builtins from a file, under either kind of policy', async () => {
    const noHooks = new CommandPolicy({ deniedCommands: ['curl'], protectShellIntegration: false });
    for (const policy of [developer, noHooks])
      expect((await judge(policy, 'enable -f ./x.so cat')).allowed).toBe(false);
  });

  it('refuses assigning PWD (the cwd reported where the kernel cannot be asked)', async () => {
    for (const command of [
      'PWD=/ ; cat secret/key',
      'PWD=/tmp cd secret',
      'declare PWD=/',
      'export PWD=/x',
      'read PWD',
    ])
      for (const policy of [developer, standard])
        expect((await judge(policy, command)).rule, command).toBe('dangerous-assignment:PWD');
  });

  it('refuses functions that shadow a builtin or an allowed program under the allowlist', async () => {
    for (const command of [
      'ls(){ cat /etc/passwd; }',
      'function cat { echo; }',
      'git() { echo; }',
      'wc(){ echo; }',
    ])
      expect((await judge(developer, command)).rule, command).toBe('function-shadows-command');
    // Shadowing `cd` is refused as touching orchflow's shell integration, which is judged first.
    expect((await judge(developer, 'cd() { echo; }')).allowed).toBe(false);
    expect((await judge(developer, 'show(){ ls -la; }')).allowed).toBe(true);
  });

  it('judges relative paths in code that runs later from every directory', async () => {
    // Defined elsewhere, called later after `cd /work/project`: the body reaches secret/.
    for (const command of [
      'f(){ cat secret/key; }',
      'f(){ head -1 secret/*; }',
      'f(){ cat */key; }',
      'f(){ cat ../x; }',
      'f(){ wc -l < secret/key; }',
      'f(){ grep -r x project; }',
    ]) {
      const decision = await judge(developer, command, '/tmp');
      expect(decision.allowed, command).toBe(false);
      expect(decision.rule, command).toMatch(/^forbidden-path:/);
    }
    // The same under a denylist with forbidden paths (standard forbids ~/.ssh).
    for (const command of [
      'f(){ cat .ssh/id_rsa; }',
      "alias k='cat .ssh/id_rsa'",
      'f(){ cat x > .ssh/authorized_keys; }',
    ])
      expect((await judge(standard, command, '/tmp')).rule, command).toBe('forbidden-path:~/.ssh');
    for (const command of [
      'f(){ cat src/index.js; }',
      'f(){ ls -la; }',
      'f(){ cat /work/project/src/a.js; }',
    ])
      expect((await judge(developer, command, '/tmp')).allowed, command).toBe(true);
  });
});

describe('everyday commands stay allowed', () => {
  let workspace: string;
  let policy: CommandPolicy;
  beforeAll(() => {
    workspace = mkdtempSync(join(tmpdir(), 'policy-loop-'));
    mkdirSync(join(workspace, 'src'));
    mkdirSync(join(workspace, 'secret'));
    for (const f of ['src/a.js', 'src/b.js', 'secret/key', 'README.md'])
      writeFileSync(join(workspace, f), 'x');
    policy = new CommandPolicy({
      ...developerPolicyInput,
      forbiddenPaths: [...SecurityPresets.locked.forbiddenPaths, join(workspace, 'secret')],
    });
  });
  afterAll(() => rmSync(workspace, { recursive: true, force: true }));

  const everyday = [
    'echo ${N:-$((2 * 3))}',
    'echo "${N:-$((2 * 3))}"',
    'echo $((2 * 3))',
    'x=$((1+2)); echo $x',
    'echo "${HOME}/x"',
    'echo ${HOME:-/tmp}',
    'for i in 1 2 3; do echo $i; done',
    'for f in src/*.js; do wc -l "$f"; done',
    'for f in src/*.js; do wc -l $f; done',
    'for f in src/a.js README.md; do head -1 "$f"; done',
    'for f in src/*.js; do echo "== $f"; head -5 "$f"; done',
    'for d in src; do ls "$d"; done',
    'cat <<EOF\nhello $HOME\nEOF',
    "cat <<'EOF'\n$(not run)\nEOF",
    'cat <<-EOF\n\tindented\n\tEOF',
    'echo `date`',
    'echo "today: $(date)"',
    'wc -l <<<"a b c"',
  ];
  it.each(everyday)('allows %j', async (command) => {
    const decision = await policy.check(command, { cwd: workspace, home: '/home/agent' });
    expect(decision.allowed, decision.reason).toBe(true);
  });

  it('still denies loops whose values reach the forbidden directory', async () => {
    for (const command of [
      'for f in *; do cat "$f"/key; done',
      'for f in secret/*; do cat "$f"; done',
      'for f in src secret; do cat "$f/key"; done',
      'for f in {src,secret}/key; do cat $f; done',
      'for f in s*; do wc -l "$f"/key; done',
    ]) {
      const decision = await policy.check(command, { cwd: workspace, home: '/home/agent' });
      expect(decision.allowed, command).toBe(false);
      expect(decision.rule, command).toMatch(/^forbidden-path:/);
    }
  });

  it('does not trust a loop variable something else may assign', async () => {
    for (const command of [
      'for f in src/*.js; do f=secret/key; cat "$f"; done',
      'for f in src/*.js; do read f; cat "$f"; done',
      'g(){ f=secret/key; }; for f in src/*.js; do g; cat "$f"; done',
      'for f in src/*.js; do for f in secret/key; do :; done; cat "$f"; done',
      'for f in src/*.js; do . ./env.sh; cat "$f"; done',
      'for f in src/*.js; do : ${f:=secret/key}; cat "$f"; done',
      'for f in $(ls); do cat "$f"; done',
    ]) {
      const decision = await policy.check(command, { cwd: workspace, home: '/home/agent' });
      expect(decision.allowed, command).toBe(false);
    }
  });

  it('under a denylist trusts a loop variable only in the first command (later ones may be functions)', async () => {
    const guarded = new CommandPolicy({
      deniedCommands: ['rm -rf'],
      forbiddenPaths: [join(workspace, 'secret')],
    });
    const at = { cwd: workspace, home: '/home/agent' };
    expect((await guarded.check('for f in src/*.js; do wc -l "$f"; done', at)).allowed).toBe(true);
    expect((await guarded.check('for f in src/*.js; do g; cat "$f"; done', at)).allowed).toBe(false);
    expect((await guarded.check('for f in /; do rm -rf $f; done', at)).rule).toBe(
      'deniedCommands[0]: rm -rf',
    );
  });
});
