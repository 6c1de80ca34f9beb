// protectShellIntegration and process memory: a subshell is a fork of the shell, so its
// `/proc/self/mem` (and the shell's `/proc/$$/mem`) holds the hook functions and their key. Every
// spelling of such a path is denied, in any word, string or redirection; /proc stays readable
// otherwise. Also: commands that turn history expansion back on, which orchflow's rc files turn
// off so that a line typed as raw input runs as judged.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the tables are shell text, not templates.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CommandPolicy } from '../src/command/command-policy';
import { SecurityPresets } from '../src/policy/presets';

const hooksOnly = new CommandPolicy({ dangerousVariables: [] });
const standard = new CommandPolicy(SecurityPresets.standard);
const trusted = new CommandPolicy(SecurityPresets.trusted);
const check = (policy: CommandPolicy, command: string, cwd = '/tmp') =>
  policy.check(command, { cwd, home: '/root' });

// The path names a process's memory as written: certain, whatever its run-time pid part is.
const memory = [
  "( exec 3</proc/self/mem; perl -e 'seek STDIN, 0, 0; read STDIN, $b, 64' <&3 )",
  'cat /proc/self/mem',
  'cat /proc/thread-self/mem',
  'cat /proc/$$/mem',
  'cat /proc/$PPID/mem',
  'cat "/proc/${PPID}/mem"',
  'cat /proc/$x/mem',
  'cat /proc/$(pgrep -n bash)/mem',
  'cat /proc/`pgrep -n bash`/mem',
  'cat /proc/1234/mem',
  'cat /proc/self/task/1234/mem',
  'cat /proc/$$/task/*/mem',
  'exec 3< /proc/self/mem',
  'tail -c 100 < /proc/self/mem',
  'dd if=/proc/self/mem bs=1 skip=4096 count=64',
  'ln -s /proc/self/mem m',
  "bash -c 'cat /proc/self/mem'",
  'echo $(cat /proc/self/mem)',
  `perl -e 'open F, "<", "/proc/self/mem"'`,
  `python3 -c "open('/proc/%d/mem' % 1)"`,
  // Quoting, escapes, `$'…'`, redundant components: what the shell removes before it opens.
  "cat '/proc/self/mem'",
  'cat /proc/self/m\\em',
  "cat /pr''oc/self/mem",
  "cat $'\\x2fproc/self/mem'",
  "cat $'/proc/self/\\155em'",
  'cat /proc//self/./mem',
  'cat /proc/self/../self/mem',
  'cat /proc/self/mem/',
  'cat /proc/self/root/proc/self/mem',
  // Brace expansion and globs that could match `mem` under /proc.
  'cat /proc/self/{mem,status}',
  'cat /p{r,}oc/self/mem',
  'cat /proc/*/m?m',
  'cat /proc/self/m[e]m',
  'cat /proc/self/me*',
  'cat /proc/self/MEM*',
  'cat /proc/sel*/mem',
  'cat /*/self/mem',
  'cat /proc/self/*',
  'cat /proc/self/@(mem)',
  'cat /proc/self/^maps',
  // Relative to a directory under /proc.
  'cd /proc/self && cat mem',
  'cd /proc && cat self/mem',
  'cd /proc/self; cat *',
  'cd /proc; cat */mem',
];

// Only a run-time value could make the path a process's memory: denied, failing closed.
// Through a link an earlier command of the same line makes.
const sameLineLinks = [
  'ln -s /proc/self s; ( exec 3<s/mem; dd bs=4096 skip=1 count=1 <&3 )',
  'ln -s /proc p; cat p/self/mem',
  'ln -s /proc/self/task s; cat s/*/mem',
  'ln -s /proc/self; (exec 3<self/mem)',
  'ln -s /proc/self s; cat s/$f',
  // Spelled with `.`, `..` or a doubled `/`, and through links to links.
  'ln -s /proc/self s; exec 3<./s/mem',
  'ln -s /proc/self s; exec 3<.//s/mem',
  'mkdir -p d; ln -s /proc/self s; exec 3<d/../s/mem',
  'ln -s /proc a; ln -s a b; ln -s b c; exec 3<c/self/mem',
  'ln -s --ta=d /proc/self; exec 3<d/self/mem',
];

const runTime = [
  'p=/proc/self; cat $p/mem',
  'cat /tmp/$x/mem',
  'cat /proc/self/$f',
  'cd "$d"; cat mem',
  // `~+` and `~-` are the directories the shell is in and was in.
  'cd -P /proc/self; cat ~+/mem',
  'cd /proc/1; cd /; cat ~-/mem',
];

const allowed = [
  'cat /proc/self/status',
  'cat /proc/cpuinfo',
  'cat /proc/meminfo',
  'grep VmRSS /proc/$$/status',
  'cat /proc/self/maps',
  'test -d /proc/$pid',
  'ls /proc/*/',
  'free -m',
  'cat mem',
  'cat ./mem.txt',
  'cp "$dir/$name" out',
  'echo memory /proc',
  // After a `cd` to a run-time directory, a glob is not taken as `mem` (see docs/security.md).
  'cd "$d"; ls *',
  'cd "$d"; rm -f *',
  'cd "$d"; cat *.txt',
  'cat ~+/notes.txt',
  'ln -s /proc/self s; cat s/status',
  'ln -s src lib; cat lib/mem',
];

// Turning history expansion back on: `!!` or `^a^b` typed later would run an unjudged line.
const history = [
  'set -H',
  'set -eH',
  'set -o histexpand',
  'set -o errexit -o histexpand',
  'builtin set -H',
  'shopt -s -o histexpand',
  'shopt -so histexpand',
  'setopt banghist',
  'setopt BANG_HIST',
  'unsetopt no_bang_hist',
  'set +K',
  'set -o BangHist',
  'emulate zsh',
  "bash -c 'set -H'",
];
const historyRunTime = ['set -o "$opt"', 'setopt $o', 'set -$flags', 'shopt -s -o $x'];
const historyAllowed = ['set -e', 'set -o pipefail', 'set -- -H', 'shopt -s globstar', 'setopt extendedglob'];

describe("protectShellIntegration: a process's memory", () => {
  it.each(memory)('denies %j, saying why', async (command) => {
    for (const policy of [hooksOnly, standard]) {
      const decision = await check(policy, command);
      expect({ allowed: decision.allowed, rule: decision.rule }).toEqual({
        allowed: false,
        rule: 'shell-integration',
      });
      expect(decision.reason).toMatch(
        /names a process's memory \(\/proc\/<pid>\/mem\): reading a shell's memory reveals its shell-integration key/,
      );
    }
  });

  it.each(sameLineLinks)('denies %j, through a link the line makes', async (command) => {
    expect((await check(hooksOnly, command)).rule).toBe('shell-integration');
  });

  it.each(runTime)('denies %j, whose path is only known at run time', async (command) => {
    const decision = await check(hooksOnly, command);
    expect(decision).toMatchObject({ allowed: false, rule: 'shell-integration' });
    expect(decision.reason).toMatch(/may name a process's memory.*only known at run time/);
    expect((await check(standard, command)).allowed).toBe(false);
  });

  it('sees through a symlink into /proc made earlier, from the line and from the cwd', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchflow-mem-'));
    // Left behind, the link would change what globs in the temp directory match in other tests.
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    symlinkSync('/proc/self', join(dir, 'p'));
    for (const [command, cwd] of [
      [`cat ${dir}/p/mem`, '/tmp'],
      ['cat p/mem', dir],
      ['cat */mem', dir],
      [`cd ${dir}/p && cat mem`, '/tmp'],
    ] as const) {
      const decision = await check(hooksOnly, command, cwd);
      expect({ command, rule: decision.rule }).toEqual({ command, rule: 'shell-integration' });
    }
    expect((await check(hooksOnly, 'cat p/status', dir)).allowed).toBe(true);
  });

  it('sees a link into /proc before a run-time part or braces too many to list', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchflow-mem-runtime-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    symlinkSync('/proc/1', join(dir, 'p'));
    mkdirSync(join(dir, 'a'));
    symlinkSync('/proc/1', join(dir, 'a', 'x'));
    const braces = '{,}'.repeat(9);
    for (const command of [
      'cat p/$f',
      // A glob or brace group before the run-time part: each directory it is now.
      'f=mem; cat */$f',
      'cat ?/"$f"',
      'cat < */$f',
      'cat {p,x}/$f',
      'cat a/*/$f',
      // A directory name with a run-time part, a quoted `$`, the line's own directory.
      'cat p$e/$f',
      'exec 3< ./p$e/$f',
      "cat 'd$'/../p/$f",
      'cd p && cat $f',
      'f=mem; cat p/$f',
      'cat p/"$(echo mem)"',
      `cat ${dir}/p/$f`,
      `cat p/mem${braces}`,
      'cat p/{a..z}{a..z}{a..z}',
    ]) {
      const decision = await check(hooksOnly, command, dir);
      expect({ command, rule: decision.rule }).toEqual({ command, rule: 'shell-integration' });
    }
    for (const command of [
      `cat p/status${braces}`,
      'cat $f',
      'cat $d/$f',
      'cat /tmp/$f',
      'echo p/$f',
      'cat a/$f',
      'cat q$e/$f',
    ])
      expect({ command, allowed: (await check(hooksOnly, command, dir)).allowed }).toEqual({
        command,
        allowed: true,
      });
  });

  it('sees a link into /proc that a glob matches, and refuses a glob with more matches than it checks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchflow-mem-glob-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    writeFileSync(join(dir, 'a', 'b', 'c'), '');
    expect((await check(hooksOnly, 'ls */*/*', dir)).allowed).toBe(true);
    symlinkSync('/proc/self', join(dir, 'a', 'p'));
    expect((await check(hooksOnly, 'ls */*/*', dir)).rule).toBe('shell-integration');

    // The same link among 600 directories: the glob matches more than the checker walks, which
    // used to count as no match at all, so the line was allowed.
    for (let i = 0; i < 600; i++) mkdirSync(join(dir, 'many', `d${i}`), { recursive: true });
    symlinkSync('/proc/self', join(dir, 'many', 'd599', 'p'));
    const hidden = await check(hooksOnly, 'cat many/*/p/mem', dir);
    expect(hidden).toMatchObject({ allowed: false, rule: 'shell-integration' });
    expect(hidden.reason).toMatch(/'.*many\/\*\/p' matches more paths than are checked/);
    expect((await check(hooksOnly, 'cat many/*/p/status', dir)).allowed).toBe(true);
  });

  it.each(allowed)('allows %j', async (command) => {
    const decision = await check(hooksOnly, command);
    expect({ command, allowed: decision.allowed, reason: decision.reason }).toMatchObject({ allowed: true });
  });

  it('judges a word with thousands of brace groups without throwing (bounded expansion)', async () => {
    const many = '/x/{a,b}'.repeat(5_000);
    expect((await check(hooksOnly, `echo ${many}`)).allowed).toBe(true);
    expect((await check(hooksOnly, `cat ${many}/proc/self/m{e,}m`)).rule).toBe('shell-integration');
  });

  it('matches globs in linear time: `*a*a…*b` against a long name does not stall the checker', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchflow-glob-'));
    writeFileSync(join(dir, 'a'.repeat(200)), '');
    const glob = `${'*a'.repeat(12)}*b`;
    // A regex compiled from the glob backtracks for hours on these; each check here takes ms.
    expect((await check(hooksOnly, `cat /proc/self/${glob}`)).allowed).toBe(true);
    expect((await check(hooksOnly, `cat ${dir}/${glob}/mem`)).allowed).toBe(true);
    expect((await check(standard, `cat ${dir}/${glob}`)).allowed).toBe(true);
    expect((await check(hooksOnly, `cat /proc/self/${'*'.repeat(40)}m`)).rule).toBe('shell-integration');
  });

  it('leaves it to trusted', async () => {
    for (const command of [...memory, ...runTime])
      expect((await check(trusted, command)).rule).not.toBe('shell-integration');
  });
});

describe('protectShellIntegration: history expansion', () => {
  it.each(history)('denies %j', async (command) => {
    const decision = await check(hooksOnly, command);
    expect({ allowed: decision.allowed, rule: decision.rule }).toEqual({
      allowed: false,
      rule: 'shell-integration',
    });
    expect(decision.reason).toMatch(/history expansion|options/);
    expect((await check(standard, command)).allowed).toBe(false);
  });

  it.each(historyRunTime)('denies %j, whose option is only known at run time', async (command) => {
    const decision = await check(hooksOnly, command);
    expect(decision).toMatchObject({ allowed: false, rule: 'shell-integration' });
    expect(decision.reason).toMatch(/only known at run time/);
  });

  it.each(historyAllowed)('allows %j', async (command) => {
    expect((await check(hooksOnly, command)).allowed).toBe(true);
  });
});
