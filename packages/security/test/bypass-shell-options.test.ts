// Shell options that change how the terminal's persistent bash parses later lines, so that a line
// judged as bash reads it by default runs as something else: comments turned off (`echo ok # ;
// cmd` runs cmd), keyword mode (`ls LD_PRELOAD=x.so` preloads), posix mode (single quotes inside a
// double-quoted `${…}` stop quoting). Each is refused, in every spelling bash takes, wherever
// commands are restricted; everyday options stay allowed. A shell's own command line is read as
// bash reads it, so a code string behind `+x`, `-Oc NAME` or `-c -` is judged too.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CommandPolicy } from '../src/command/command-policy';
import { SecurityPresets } from '../src/policy/presets';
import { check, expectAllowed, expectRefused, HOME } from './policy-expect';

const standard = new CommandPolicy(SecurityPresets.standard);
const locked = new CommandPolicy(SecurityPresets.locked);
const trusted = new CommandPolicy(SecurityPresets.trusted);
// Only orchflow's shell integration is protected: a line bash would read differently hides hook
// changes from that rule too.
const hooksOnly = new CommandPolicy({});
// Nothing is restricted.
const open = new CommandPolicy({ protectShellIntegration: false, dangerousVariables: [] });
const CANARY = `cat ${HOME}/.ssh/orchflow-canary`;

// What bash itself makes of a line, the reference for every spelling below: whether comments and
// posix mode are on after it, and whether keyword mode is (an assignment word after a command's
// name then reaches its environment instead of its arguments).
function bashAfter(line: string): { comments: boolean; posix: boolean; keyword: boolean } {
  const out = execFileSync(
    'bash',
    [
      '--norc',
      '--noprofile',
      '-c',
      `${line}\necho ORCHFLOW_K=1; shopt -q interactive_comments && echo ORCHFLOW_COMMENTS; shopt -qo posix && echo ORCHFLOW_POSIX; true`,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return {
    comments: out.includes('ORCHFLOW_COMMENTS'),
    posix: out.includes('ORCHFLOW_POSIX'),
    keyword: !out.includes('ORCHFLOW_K=1'),
  };
}

describe('turning interactive comments off', () => {
  const spellings = [
    'shopt -u interactive_comments',
    'shopt -qu interactive_comments',
    'shopt -u -q interactive_comments',
    'shopt -pu interactive_comments',
    'shopt -u -- interactive_comments',
    'shopt -u globstar interactive_comments',
    'shopt -u nosuchoption interactive_comments',
    'shopt -uo interactive-comments',
    'shopt -u -o interactive-comments',
    'set +o interactive-comments',
    'set -e +o interactive-comments',
    'set +eo interactive-comments',
    'builtin shopt -u interactive_comments',
    'command set +o interactive-comments',
    "eval 'shopt -u interactive_comments'",
    'f() { shopt -u interactive_comments; }',
  ];

  it.each(spellings)('%s is refused under every policy that restricts commands', async (line) => {
    for (const policy of [standard, locked, trusted, hooksOnly])
      await expectRefused(policy, line, 'shell-option:interactive-comments');
    await expectAllowed(open, line);
  });

  it('the bypass sequence stops at its first line', async () => {
    await expectRefused(standard, 'shopt -u interactive_comments', 'shell-option:interactive-comments');
    await expectRefused(standard, 'set +o interactive-comments', 'shell-option:interactive-comments');
    // The later line is what bash would run with comments off.
    await expectRefused(standard, `echo ok ; su -c id nobody ; ${CANARY}`, 'deniedCommands[10]: su');
  });

  it('turning comments on, listing them, or a spelling bash refuses changes nothing', async () => {
    for (const line of [
      'shopt -s interactive_comments',
      'set -o interactive-comments',
      'shopt -p interactive_comments',
      'shopt interactive_comments',
      'shopt -s -u interactive_comments',
      'shopt interactive_comments -u',
    ])
      await expectAllowed(standard, line);
  });
});

describe('keyword mode', () => {
  const spellings = [
    'set -k',
    'set -ek',
    'set -euk',
    'set -ok',
    'set -ok pipefail',
    'set -o -k',
    'set -o keyword',
    'set -eo keyword',
    'set -oo pipefail keyword',
    'set -e -o keyword',
    'set + -k',
    'shopt -so keyword',
    'shopt -s -o keyword',
    'builtin set -k',
    "eval 'set -k'",
    "bash -c 'set -k; env X=1'",
  ];

  it.each(spellings)('%s is refused', async (line) => {
    for (const policy of [standard, locked, trusted, hooksOnly])
      await expectRefused(policy, line, 'shell-option:keyword');
    await expectAllowed(open, line);
  });

  it('a shell started in keyword mode is refused', async () => {
    for (const line of [
      "bash -k -c 'ls LD_PRELOAD=/tmp/x.so'",
      "bash -o keyword -c 'ls LD_PRELOAD=/tmp/x.so'",
      "bash -ok keyword -c 'ls LD_PRELOAD=/tmp/x.so'",
      'bash -k',
      'exec bash -k',
      "env bash -k -c 'true'",
      "sh -k -c 'true'",
    ])
      await expectRefused(standard, line, 'shell-option:keyword');
    // After the code string, `-k` is $0, not an option.
    await expectAllowed(trusted, "bash -c 'cd src && ls' -k");
  });

  it('turning keyword mode off stays allowed', async () => {
    for (const line of ['set +k', 'set +o keyword', 'shopt -uo keyword', 'set -- -k', 'set - -k', 'set x -k'])
      await expectAllowed(standard, line);
  });
});

describe('posix mode', () => {
  it.each([
    'set -o posix',
    'set -eo posix',
    'shopt -so posix',
    'bash --posix',
    'bash -posix -c true',
    "bash -o posix -c 'echo hi'",
    "sh -o posix -c 'echo hi'",
  ])('%s is refused', async (line) => {
    for (const policy of [standard, locked, trusted]) await expectRefused(policy, line, 'shell-option:posix');
  });

  it('POSIXLY_CORRECT, which turns posix mode on, is a protected variable', async () => {
    for (const line of [
      'POSIXLY_CORRECT=1',
      'export POSIXLY_CORRECT',
      'declare -x POSIXLY_CORRECT=y',
      "POSIXLY_CORRECT=1 bash -c 'echo hi'",
      "env POSIXLY_CORRECT=1 bash -c 'echo hi'",
    ])
      for (const policy of [standard, locked])
        await expectRefused(policy, line, 'dangerous-assignment:POSIXLY_CORRECT');
    // An empty dangerousVariables is the opt-out from assignment checks.
    await expectAllowed(trusted, 'POSIXLY_CORRECT=1');
  });
});

describe('option names only known at run time', () => {
  it.each([
    'set $OPTS',
    'set "$@"',
    'set -$x',
    'set -o "$name"',
    'shopt -u "$name"',
    'shopt $flag interactive_comments',
    'shopt -s $name',
    'bash -o "$name" -c \'echo hi\'',
    "bash $UNSET -c 'su -c id nobody'",
  ])('%s is refused', async (line) => {
    await expectRefused(standard, line, 'shell-option:non-literal');
    await expectRefused(trusted, line, 'shell-option:non-literal');
  });

  it('where only the shell integration is protected, its rule refuses them', async () => {
    for (const line of [
      'set $OPTS',
      'shopt -u "$name"',
      'shopt $flag interactive_comments',
      'set -o "$name"',
    ])
      await expectRefused(hooksOnly, line, 'shell-integration');
  });

  it('positional parameters and listed options stay allowed', async () => {
    for (const line of ['set -- a b', 'set - a', 'set a "$x"', 'shopt -q extglob', 'shopt extglob "$x"'])
      await expectAllowed(trusted, line);
    await expectAllowed(locked, 'set -- a b');
  });
});

describe('everyday options stay allowed', () => {
  it.each([
    'set -e',
    'set -euo pipefail',
    'set -x',
    'set +x',
    'set -o pipefail',
    'set +e',
    'set -o',
    'set +o',
    'set -o errexit -o nounset',
    'set -- a b',
  ])('%s under standard and locked', async (line) => {
    await expectAllowed(standard, line);
    await expectAllowed(locked, line);
  });

  it.each([
    'shopt -s globstar nullglob',
    'shopt -s extglob',
    'shopt -s dotglob',
    'shopt -u nullglob',
    'shopt -p',
    'shopt -q globstar',
    "bash -c 'echo hi'",
    "bash -e -c 'echo hi'",
    "bash -eo pipefail -c 'echo hi'",
    "bash -O extglob -c 'echo hi'",
    "bash --norc --noprofile -c 'echo hi'",
    'bash -x script.sh',
  ])('%s under standard', async (line) => {
    await expectAllowed(standard, line);
  });

  it('under locked, set clusters hiding another option are still runs-code', async () => {
    // `-oa`: `-o` with no name lists the options, and `-a` (allexport) is set.
    await expectRefused(locked, 'set -oa', 'runs-code');
    await expectRefused(locked, 'set -a', 'runs-code');
  });
});

describe("a shell's command line is read as bash reads it", () => {
  // Each runs its code string (or stdin); the code is judged, so su is denied.
  it.each([
    "bash +x -c 'su -c id nobody'",
    "bash + -c 'su -c id nobody'",
    "bash +c 'su -c id nobody'",
    "bash -c - 'su -c id nobody'",
    "bash -Oc extglob 'su -c id nobody'",
    "bash -xo pipefail -c 'su -c id nobody'",
    "bash -c +x 'su -c id nobody'",
    "sh +e -c 'su -c id nobody'",
    "echo 'su -c id nobody' | bash +e",
    "echo 'su -c id nobody' | bash -o pipefail",
  ])('%s', async (line) => {
    await expectRefused(standard, line, 'deniedCommands[10]: su');
  });

  it.each([
    ["bash +x -c 'echo MARK'", true],
    ["bash + -c 'echo MARK'", true],
    ["bash +c 'echo MARK'", true],
    ["bash -c - 'echo MARK'", true],
    ["bash -Oc extglob 'echo MARK'", true],
    ["bash -c +x 'echo MARK'", true],
    ["bash -c 'echo MARK' -x", true],
  ] as const)('bash and the policy agree that %s runs its code', async (line, runs) => {
    const out = execFileSync('bash', ['--norc', '--noprofile', '-c', line], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(out.includes('MARK')).toBe(runs);
    const decision = await check(trusted, line);
    expect(decision.commands.some((c) => c.program === 'echo' && c.argv[0] === 'MARK')).toBe(runs);
  });
});

describe('the spellings agree with bash', () => {
  const refusedSpellings = [
    'shopt -u interactive_comments',
    'shopt -uo interactive-comments',
    'shopt -pu globstar interactive_comments',
    'set +o interactive-comments',
    'set +eo interactive-comments',
    'set -k',
    'set -ok',
    'set -ok pipefail',
    'set -o -k',
    'set -oo pipefail keyword',
    'shopt -so keyword',
    'set -o posix',
    'shopt -s -o posix',
  ];
  const harmless = [
    'shopt -s -u interactive_comments',
    'shopt interactive_comments -u',
    'set -- -k',
    'set - -k',
    'set x -k',
    'set -o pipefail',
    'set +k',
    'shopt -s globstar nullglob',
  ];

  it.each(refusedSpellings)('%s changes an option in bash and is refused', async (line) => {
    expect(bashAfter(line)).not.toEqual(bashAfter('true'));
    expect((await check(standard, line)).allowed).toBe(false);
  });

  it.each(harmless)('%s changes none of them in bash and is allowed', async (line) => {
    expect(bashAfter(line)).toEqual(bashAfter('true'));
    await expectAllowed(standard, line);
  });
});
