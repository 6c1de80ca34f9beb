// Assignments that are not written `NAME=value`: the assigning parameter expansions `${NAME:=word}`
// and `${NAME=word}`, arithmetic (`(( PATH = 1 ))`, `let`, subscripts, offsets, `[[ -eq ]]`),
// `{NAME}>file`, `coproc NAME`, and `unset PATH`. The shell behind `execute` persists, so a line
// that only sets CDPATH, PATH or LD_PRELOAD steers every later line: `: ${CDPATH:=/root}` then
// `cd .ssh && cat key` read /root/.ssh, judged as ./.ssh. Each must be refused like `NAME=value`
// (`dangerous-assignment:NAME`), and uses that assign nothing must stay allowed.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the tables are shell text, not templates.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandPolicy } from '../src/command/command-policy';
import { SecurityPresets } from '../src/policy/presets';

const presets = {
  standard: new CommandPolicy(SecurityPresets.standard),
  locked: new CommandPolicy(SecurityPresets.locked),
  aiSafe: new CommandPolicy(SecurityPresets.aiSafe),
};
type Preset = keyof typeof presets;
const ALL: Preset[] = ['standard', 'locked', 'aiSafe'];
const STRICT: Preset[] = ['locked', 'aiSafe'];

const root = mkdtempSync(join(tmpdir(), 'orchflow-default-assign-'));
const ws = join(root, 'ws');
const home = join(root, 'home');
beforeAll(() => {
  // The reported layout: an empty ws/.ssh, and the canary in the real home's .ssh.
  mkdirSync(join(ws, '.ssh'), { recursive: true });
  mkdirSync(join(home, '.ssh'), { recursive: true });
  writeFileSync(join(home, '.ssh', 'orchflow-canary'), 'canary');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const check = (policy: CommandPolicy, command: string) => policy.check(command, { cwd: ws, home });

async function expectRefused(preset: Preset, command: string, name: string): Promise<void> {
  const d = await check(presets[preset], command);
  expect({ command, preset, allowed: d.allowed, rule: d.rule }).toEqual({
    command,
    preset,
    allowed: false,
    rule: `dangerous-assignment:${name}`,
  });
}

async function expectAllowedUnder(preset: Preset, command: string): Promise<void> {
  const d = await check(presets[preset], command);
  expect({ command, preset, allowed: d.allowed, rule: d.rule }).toEqual({
    command,
    preset,
    allowed: true,
    rule: expect.any(String),
  });
}

const each = (rows: Array<[string, string]>, under: Preset[]) =>
  rows.flatMap(([command, name]) => under.map((p) => [command, name, p] as const));

describe('the reported sequences stop at the assigning line', () => {
  // Each line of a sequence is a separate check of the same persistent shell, in order.
  const sequences: Array<[lines: string[], name: string]> = [
    [[': ${CDPATH:=/root}', 'cd .ssh && cat orchflow-canary'], 'CDPATH'],
    [[`: \${CDPATH:=${home}}`, 'cd .ssh && cat orchflow-canary'], 'CDPATH'],
    [['unset PATH', ': ${PATH:=/tmp/ws/bin:/usr/bin:/bin}', 'ls'], 'PATH'],
    [[': ${PATH:=/tmp/ws/bin:/usr/bin:/bin}', 'ls'], 'PATH'],
    [['set -a; : ${LD_PRELOAD:=/tmp/ws/x.so}; set +a', 'ls'], 'LD_PRELOAD'],
    [[': ${LD_PRELOAD:=/tmp/ws/x.so}', 'ls'], 'LD_PRELOAD'],
    [[': ${BASH_CMDS[cat]:=/tmp/ws/evil}', 'cat README.md'], 'BASH_CMDS'],
    [[': ${GLOBIGNORE:=x}'], 'GLOBIGNORE'],
    [[': ${TMOUT:=1}'], 'TMOUT'],
  ];
  it.each(sequences.flatMap(([lines, name]) => ALL.map((p) => [lines, name, p] as const)))(
    '%j → dangerous-assignment:%s under %s',
    async (lines, name, preset) => {
      const decisions = [];
      for (const line of lines) decisions.push(await check(presets[preset], line));
      const first = decisions.findIndex((d) => !d.allowed);
      expect(first, `no line of ${JSON.stringify(lines)} was refused`).toBeGreaterThanOrEqual(0);
      expect(decisions[first]?.rule).toBe(`dangerous-assignment:${name}`);
      // The line that assigns is the one refused, not a later one for another reason.
      expect(lines[first]).toMatch(new RegExp(`${name}|unset`));
    },
  );

  // Names only the allowlists protect (any environment-style name): refused there as `NAME=1` is.
  const strictOnly: Array<[string, string]> = [
    [': ${POSIXLY_CORRECT:=1}', 'POSIXLY_CORRECT'],
    [': ${FOO:=bar}', 'FOO'],
  ];
  it.each(each(strictOnly, STRICT))('%s → dangerous-assignment:%s under %s', (command, name, preset) =>
    expectRefused(preset, command, name),
  );
});

describe('${NAME:=word} and ${NAME=word} assign wherever a word is expanded', () => {
  const everywhere: Array<[string, string]> = [
    [': ${CDPATH=/root}', 'CDPATH'],
    ['echo "${CDPATH:=/root}"', 'CDPATH'],
    ['echo x${PATH:=.}y', 'PATH'],
    ['echo ${PATH[0]:=/tmp}', 'PATH'],
    ['cat < ${CDPATH:=/root}', 'CDPATH'],
    ['echo hi > "${CDPATH:=/root}"', 'CDPATH'],
    ['cat <<< ${LD_PRELOAD:=x.so}', 'LD_PRELOAD'],
    ['cat <<E\n${CDPATH:=/root}\nE', 'CDPATH'],
    ['cat <<E\n`: ${PATH:=/tmp}`\nE', 'PATH'],
    ['x=${CDPATH:=/root}', 'CDPATH'],
    ['x=${y:-${CDPATH:=/root}}', 'CDPATH'],
    ['echo $(( ${IFS:=1} ))', 'IFS'],
    ['[[ ${CDPATH:=/root} ]]', 'CDPATH'],
    ['case ${CDPATH:=/root} in *) ;; esac', 'CDPATH'],
    ['echo ${x:-${CDPATH:=/root}}', 'CDPATH'],
    ['echo "${x:-${CDPATH:=/root}}"', 'CDPATH'],
    ['echo ${a[${PATH:=1}]}', 'PATH'],
    ['echo ${x/${PATH:=a}/b}', 'PATH'],
    ['echo $(: ${CDPATH:=/root})', 'CDPATH'],
    ['echo `: ${CDPATH:=/root}`', 'CDPATH'],
    ['echo ${PATH:=`true`}', 'PATH'],
    ["bash -c ': ${PATH:=/tmp}'", 'PATH'],
    ["eval ': ${PATH:=/tmp}'", 'PATH'],
    ['f() { : ${PATH:=/tmp}; }', 'PATH'],
    ["trap ': ${PATH:=/tmp}' EXIT", 'PATH'],
    ['if true; then : ${HISTFILE:=/root/.bashrc}; fi', 'HISTFILE'],
    [': ${BASH_ALIASES[ls]:=x}', 'BASH_ALIASES'],
  ];
  it.each(each(everywhere, ALL))('%j → dangerous-assignment:%s under %s', (command, name, preset) =>
    expectRefused(preset, command, name),
  );

  // Words tree-sitter cannot parse: only a denylist gets past the parse error to the assignment.
  it.each([
    [': ${PATH:=a;b}', 'PATH'],
    [': ${PATH=a|b}', 'PATH'],
    [': ${CDPATH:=(}', 'CDPATH'],
  ])('%j → dangerous-assignment:%s under standard', (command, name) =>
    expectRefused('standard', command, name),
  );
});

describe('other assignments bash makes without NAME=value', () => {
  const forms: Array<[string, string]> = [
    // Arithmetic assigns with =, op=, ++ and --: `(( PATH = 1 ))` makes PATH the directory ./1.
    ['(( PATH = 1 ))', 'PATH'],
    ['(( PATH++ ))', 'PATH'],
    ['(( ++CDPATH ))', 'CDPATH'],
    ['(( IFS += 1 ))', 'IFS'],
    ['(( x = 2, PATH <<= 1 ))', 'PATH'],
    ['echo $((PATH=1))', 'PATH'],
    ['echo $[PATH=1]', 'PATH'],
    ['let PATH=1', 'PATH'],
    ['let "CDPATH = 2"', 'CDPATH'],
    ['for ((i = 0; i < 3; PATH++)); do :; done', 'PATH'],
    ['a[PATH=1]=x', 'PATH'],
    ['echo ${a[PATH=1]}', 'PATH'],
    ['echo ${x:(PATH=1)}', 'PATH'],
    ['[[ 1 -eq PATH=1 ]]', 'PATH'],
    ['declare -i n=PATH=1', 'PATH'],
    ["read 'a[PATH=1]' <<< x", 'PATH'],
    ["unset 'a[PATH=1]'", 'PATH'],
    ['cat <<E\n$((PATH=1))\nE', 'PATH'],
    // `{NAME}>file` stores the descriptor number in NAME (PATH=10: the directory ./10).
    ['exec {PATH}>/dev/null', 'PATH'],
    [': {CDPATH}>/dev/null', 'CDPATH'],
    ['ls {LD_PRELOAD}<README.md', 'LD_PRELOAD'],
    // `coproc NAME compound` sets NAME to the coprocess's descriptors (PATH=63: ./63).
    ['coproc PATH { sleep 1; }', 'PATH'],
    // Prefix assignments after the reserved words `time` and `coproc` (tree-sitter takes the word
    // for a command name): `time CDPATH=/root cd .ssh` leaves the shell in /root/.ssh.
    ['time CDPATH=/root cd .ssh && cat orchflow-canary', 'CDPATH'],
    ['time -p PATH=./bin ls', 'PATH'],
    ['coproc LD_PRELOAD=./x.so ls', 'LD_PRELOAD'],
    // Without PATH, bash looks command names up in the current directory: `ls` runs ./ls.
    ['unset PATH', 'PATH'],
    ['unset -v PATH; ls', 'PATH'],
  ];
  it.each(each(forms, ALL))('%j → dangerous-assignment:%s under %s', (command, name, preset) =>
    expectRefused(preset, command, name),
  );

  // Parsed by tree-sitter with an error: refused as parse-error under an allowlist already.
  it.each([
    ['coproc CDPATH (sleep 1)', 'CDPATH'],
    ['exec {CDPATH}<>/tmp/x', 'CDPATH'],
    ['{ :; } {PATH}>/dev/null', 'PATH'],
    ['echo ${x:1:PATH=2}', 'PATH'],
  ])('%j → dangerous-assignment:%s under standard', (command, name) =>
    expectRefused('standard', command, name),
  );

  // Refused before this change too; kept here so every spelling stays covered in one place.
  it.each(
    each(
      [
        ['read -a PATH', 'PATH'],
        ['mapfile -t CDPATH < /dev/null', 'CDPATH'],
        ['printf -v LD_PRELOAD x', 'LD_PRELOAD'],
        ['getopts ab PATH', 'PATH'],
        ['select PATH in a; do :; done', 'PATH'],
        ['for CDPATH in /root; do :; done', 'CDPATH'],
        ['for ((PATH = 1; ; )); do :; done', 'PATH'],
        ['wait -p PATH', 'PATH'],
        ['declare -n r=PATH; r=/tmp', 'PATH'],
        ['export LD_PRELOAD', 'LD_PRELOAD'],
        ['declare -x LD_PRELOAD', 'LD_PRELOAD'],
        ['local PATH', 'PATH'],
      ],
      ALL,
    ),
  )('%j → dangerous-assignment:%s under %s', (command, name, preset) => expectRefused(preset, command, name));

  it('judges ${NAME:=v} as NAME=v for every preset and name', async () => {
    const names = ['PATH', 'CDPATH', 'LD_PRELOAD', 'TMOUT', 'POSIXLY_CORRECT', 'FOO', 'foo', 'CI', 'LC_ALL'];
    for (const preset of ALL)
      for (const name of names) {
        const plain = await check(presets[preset], `${name}=1`);
        const expansion = await check(presets[preset], `: \${${name}:=1}`);
        expect({ preset, name, allowed: expansion.allowed, rule: expansion.rule }).toEqual({
          preset,
          name,
          allowed: plain.allowed,
          rule: plain.allowed ? expect.any(String) : plain.rule,
        });
      }
  });
});

describe('the CDPATH and HOME tracking sees ${NAME:=word}', () => {
  // Without dangerousVariables, assigning is allowed, but the line's `cd`s and `~` become unknown.
  const assigning = () =>
    new CommandPolicy({ ...SecurityPresets.trusted, forbiddenPaths: [join(home, '.ssh')] });

  it('a cd after ${CDPATH:=…} goes where only the shell knows', async () => {
    const d = await check(assigning(), `: \${CDPATH:=${home}}; cd .ssh && cat orchflow-canary`);
    expect({ allowed: d.allowed, rule: d.rule }).toEqual({
      allowed: false,
      rule: 'forbidden-path:unknown-cwd',
    });
  });

  it('~ after ${HOME:=…} is unknown', async () => {
    // The check's home has no secrets; the line points HOME at one that has.
    const elsewhere = new CommandPolicy({
      ...SecurityPresets.trusted,
      forbiddenPaths: [join(root, 'other/.ssh')],
    });
    const line = `unset HOME; : \${HOME:=${join(root, 'other')}}; cat ~/.ssh/orchflow-canary`;
    const d = await check(elsewhere, line);
    expect(d.allowed).toBe(false);
    // The same words with HOME left alone name the check's home, which is not forbidden.
    expect((await check(elsewhere, 'cat ~/.ssh/orchflow-canary')).allowed).toBe(true);
  });

  it('a cd after (( CDPATH = 1 )), {CDPATH}>file or time CDPATH=… is unknown too', async () => {
    for (const line of [
      '(( CDPATH = 1 )); cd .ssh && cat k',
      'exec {CDPATH}>/dev/null; cd .ssh && cat k',
      `time CDPATH=${home} cd .ssh && cat orchflow-canary`,
    ]) {
      const d = await check(assigning(), line);
      expect({ line, allowed: d.allowed, rule: d.rule }).toEqual({
        line,
        allowed: false,
        rule: 'forbidden-path:unknown-cwd',
      });
    }
  });
});

describe('`time` is a reserved word: its prefix assignments belong to the timed command', () => {
  // tree-sitter-bash takes `time` for a program and `FOO=1` for the program it runs, which hid the
  // `cd` after it: the line's later relative paths were judged from the wrong directory.
  const paths = () =>
    new CommandPolicy({ ...SecurityPresets.standard, forbiddenPaths: [join(home, '.ssh')] });
  it.each([
    'time FOO=1 cd ../home && cat .ssh/orchflow-canary',
    'time -p FOO+=1 cd ../home; cat .ssh/orchflow-canary',
    'time a[1]=x cd ../home; cat .ssh/orchflow-canary',
    "bash -c 'time FOO=1 cd ../home && cat .ssh/orchflow-canary'",
  ])('%j reads the forbidden file', async (command) => {
    const d = await check(paths(), command);
    expect({ allowed: d.allowed, rule: d.rule }).toEqual({
      allowed: false,
      rule: `forbidden-path:${join(home, '.ssh')}`,
    });
  });

  it('keeps `time` judged as a wrapper of the timed command', async () => {
    const denyRm = new CommandPolicy({ deniedCommands: ['rm'] });
    for (const command of ['time FOO=1 rm x', 'time -p FOO=1 BAR=2 rm x'])
      expect((await check(denyRm, command)).rule).toBe('deniedCommands[0]: rm');
    expect((await check(paths(), 'time FOO=1 ls -la')).allowed).toBe(true);
  });
});

describe('what assigns nothing stays allowed', () => {
  it.each(
    [
      ': ${FOO:=bar}',
      'echo ${HOME:-/tmp}',
      'x=${y:=1}',
      'echo ${CDPATH:-x} ${PATH:+y} ${HOME:?no home}',
      ': ${PATH@A}',
      ': ${!PA*}',
      'echo ${#PATH} ${PATH##*:} ${PATH//:/ } ${PATH^^} ${PATH:0:5}',
      "echo '${PATH:=x}'",
      'echo "\\${PATH:=x}"',
      "cat <<'E'\n${PATH:=x}\nE",
      'echo $(( a == b )) $(( a <= b )) $(( a >= 1 )) $(( a != 1 ))',
      'for ((i = 0; i < 10; i++)); do echo $i; done',
      'n=3; echo $((n * 2)); [[ $# -eq 0 ]]; x=$((x + 1))',
      'exec {PATH}>&-',
      'echo \'{PATH}>x\' "{CDPATH}>y" # {PATH}>z',
      'coproc sleep 1',
      'time ls',
      'time -p FOO=1 ls',
      'coproc PATH sleep 1',
      'unset FOO CDPATH LD_PRELOAD',
    ].map((c) => [c, 'standard' as Preset] as const),
  )('%j under %s', (command, preset) => expectAllowedUnder(preset, command));

  it.each(
    ALL.flatMap((p) =>
      [
        ': ${foo:=bar}',
        'echo ${HOME:-/tmp}',
        'x=${y:=1}',
        ': ${DEBUG:=0} ${CI:=false} ${LC_ALL:=C}',
        'echo ${CDPATH:-x} ${PATH:+y} ${HOME:?no home}',
        "echo '${PATH:=x}'",
        'for ((i = 0; i < 10; i++)); do echo $i; done',
        'unset foo',
      ].map((c) => [c, p] as const),
    ),
  )('%j under %s', (command, preset) => expectAllowedUnder(preset, command));
});
