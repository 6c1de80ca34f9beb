// Aliases as arguments: when an alias's value ends in a blank, bash (and zsh) also expand the word
// after each use as an alias, as an argument or a redirection target. `alias c='cat '
// k='~/.ssh/key'` then `c k` read the key under `standard`: `k` was judged as a command name
// (which is not a path), `c` as `cat <run-time arguments>`, and the line `c k` shows neither value.
// The policy judges one line at a time and keeps no state between the lines of a terminal, so each
// line of a sequence is judged on its own here, as execute() would judge it: a sequence is stopped
// when one of its lines is refused, and the line that makes the chain possible (an alias whose
// value ends in a blank) is refused on its own, in any order and on any line
// (`unsure-parse:alias`). What bash really does with each sequence is checked with bash itself.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandPolicy } from '../src/command/command-policy';
import { SecurityPresets } from '../src/policy/presets';

const standard = new CommandPolicy(SecurityPresets.standard);
const locked = new CommandPolicy(SecurityPresets.locked);
const presets = [
  ['standard', standard],
  ['locked', locked],
] as const;

const ALIAS_RULE = 'unsure-parse:alias';
const CANARY = 'orchflow-canary';

let home: string;
let bin: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'bypass-alias-'));
  mkdirSync(join(home, '.ssh'));
  writeFileSync(join(home, '.ssh', CANARY), 'CANARY-SECRET\n');
  // A fake `su` that only says it ran, for the chains that would run a denied command.
  bin = join(home, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'su'), '#!/bin/sh\necho RAN-SU\n');
  chmodSync(join(bin, 'su'), 0o755);
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

const judge = (policy: CommandPolicy, command: string) => policy.check(command, { cwd: home, home });

// The lines run one after another in one bash, as execute() types them into a persistent shell.
function bashOutput(lines: readonly string[]): string {
  try {
    return execFileSync(
      'bash',
      ['--norc', '--noprofile', '-c', ['shopt -s expand_aliases', ...lines].join('\n')],
      {
        cwd: home,
        env: { HOME: home, PATH: `${bin}:/usr/bin:/bin` },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 10_000,
      },
    );
  } catch (e) {
    return String((e as { stdout?: string }).stdout ?? '');
  }
}

// Each reads the canary through an alias that is an argument (or redirection target) of another.
const readingSequences: readonly (readonly string[])[] = [
  // One line defines both, the next uses them.
  [`alias c='cat ' k='~/.ssh/${CANARY}'`, 'c k'],
  [`alias c='cat ' k='$HOME/.ssh/${CANARY}'`, 'c k'],
  // Defined on separate lines, in either order.
  ["alias c='cat '", `alias k='~/.ssh/${CANARY}'`, 'c k'],
  [`alias k='~/.ssh/${CANARY}'`, "alias c='cat '", 'c k'],
  // Used in a function defined later, and through a chain of blank-ended aliases.
  ["alias c='cat '", `alias k='~/.ssh/${CANARY}'`, 'f() { c k; }', 'f'],
  ["alias c='cat '", "alias d='c '", `alias k='~/.ssh/${CANARY}'`, 'd k'],
  // The next word is expanded as a redirection target too.
  [`alias c='cat < ' k='~/.ssh/${CANARY}'`, 'c k'],
  // Wrappers the judge unwraps do not expand their operand unless they are such an alias.
  ["alias cm='command '", "alias c='cat '", `alias k='~/.ssh/${CANARY}'`, 'cm c k'],
  ["alias n='nice '", "alias c='cat '", `alias k='~/.ssh/${CANARY}'`, 'n c k'],
  // Defined inside a function, through eval, or behind `builtin`/`command`.
  ["g() { alias c='cat '; }", 'g', `alias k='~/.ssh/${CANARY}'`, 'c k'],
  [`eval "alias c='cat '"`, `alias k='~/.ssh/${CANARY}'`, 'c k'],
  ["builtin alias c='cat '", `alias k='~/.ssh/${CANARY}'`, 'c k'],
  ["command alias c='cat '", `alias k='~/.ssh/${CANARY}'`, 'c k'],
  // A tab, and an escaped blank, end a value as a space does.
  [`alias c='cat\t' k='~/.ssh/${CANARY}'`, 'c k'],
  [`alias c=cat\\  k='~/.ssh/${CANARY}'`, 'c k'],
  // Names bash takes that are not variable-like.
  [`alias c.='cat ' k-1='~/.ssh/${CANARY}'`, 'c. k-1'],
  [`alias {c,d}='cat ' k='~/.ssh/${CANARY}'`, 'c k'],
];

// Each runs the (fake) denied `su` as the operand of a wrapper, through an alias.
const runningSequences: readonly (readonly string[])[] = [
  ["alias n='nice ' s=su", 'n s'],
  ["alias n='nice '", 'alias s=su', 'n s'],
  ["alias t='timeout ' five='5 '", 'alias s=su', 't five s'],
  ["alias e='env '", 'alias s=su', 'e s'],
  ["alias x='xargs '", 'alias s=su', 'echo | x s'],
  // Names that are not variable-like: their values were not judged at all.
  ['alias s.=su', 's.'],
  ["alias s-x='su -'", 's-x'],
];

describe('aliases expanded as arguments', () => {
  it.each(readingSequences)('bash reads the canary through %j', (...lines) => {
    expect(bashOutput(lines)).toContain('CANARY-SECRET');
  });

  it.each(runningSequences)('bash runs the denied program through %j', (...lines) => {
    expect(bashOutput(lines)).toContain('RAN-SU');
  });

  for (const [name, policy] of presets) {
    it.each([...readingSequences, ...runningSequences])(
      `${name}: a line of %j is refused`,
      async (...lines) => {
        const decisions = await Promise.all(lines.map((line) => judge(policy, line)));
        expect(
          decisions.some((d) => !d.allowed),
          JSON.stringify(lines),
        ).toBe(true);
      },
    );
  }

  it('refuses an alias whose value ends in a blank, on its own line, under standard and locked', async () => {
    for (const line of [
      "alias c='cat '",
      "alias c='cat\t'",
      'alias c=cat\\ ',
      "alias c='cat < '",
      "alias n='nice '",
      "alias t='timeout '",
      "alias e='env '",
      "alias x='xargs '",
      "alias w='watch '",
      "alias cm='command '",
      "alias ll='ls -l' c='cat '",
      "alias -- c='cat '",
      "alias -p c='cat '",
      "alias c.='cat '",
      "alias {a,b}='cat '",
      "g() { alias c='cat '; }",
      `eval "alias c='cat '"`,
      "builtin alias c='cat '",
      "command alias c='cat '",
      `alias c='cat ' k='~/.ssh/${CANARY}'`,
      `alias c='cat ' k='/ro""ot/.ssh/${CANARY}'`,
      `alias c='cat ' k='$HOME/.ssh/${CANARY}'`,
      `alias c='cat ' k='~root/.ssh/${CANARY}'`,
    ]) {
      expect((await judge(standard, line)).rule, line).toBe(ALIAS_RULE);
      // Under locked a value that does not parse on its own (`cat < `) is a parse error first.
      expect((await judge(locked, line)).rule, line).toMatch(/^(unsure-parse:alias|parse-error)$/);
    }
  });

  it('refuses a zsh global alias and definitions only known at run time', async () => {
    for (const line of [
      `alias -g K='~/.ssh/${CANARY}'`,
      "alias -g L='less'",
      'alias "$x"',
      'alias $def',
      'alias c="cat $x"',
      "alias c=$'cat\\t'",
      'alias *',
    ])
      for (const [, policy] of presets) expect((await judge(policy, line)).rule, line).toBe(ALIAS_RULE);
  });

  it('judges the command name of an alias value as a path it may be as an argument', async () => {
    for (const [value, rule] of [
      [`~/.ssh/${CANARY}`, 'forbidden-path:~/.ssh'],
      [`$HOME/.ssh/${CANARY}`, 'forbidden-path:~/.ssh'],
      [`/ro""ot/.ssh/${CANARY}`, 'forbidden-path:/root'],
      [`~root/.ssh/${CANARY}`, 'forbidden-path:/root'],
      [`nice ~/.ssh/${CANARY}`, 'forbidden-path:~/.ssh'],
      ['.ssh/id_rsa', 'forbidden-path:~/.ssh'],
    ]) {
      const line = `alias k='${value}'`;
      expect((await judge(standard, line)).rule, line).toBe(rule);
      expect((await judge(locked, line)).allowed, line).toBe(false);
    }
  });

  it('judges every definition, whatever its name', async () => {
    for (const line of ['alias s.=su', "alias s-x='su -'", 'alias {a,b}=su', 'alias ..=sudo'])
      expect((await judge(standard, line)).rule, line).toMatch(/^deniedCommands\[\d+\]: (su|sudo)$/);
    expect((await judge(standard, `alias k.='cat ~/.ssh/${CANARY}'`)).rule).toBe('forbidden-path:~/.ssh');
  });

  it('leaves words bash does not expand, and wrappers that are no alias, as they were', () => {
    // `\k`, `'k'`, `command c` and a word after a redirection are never alias-expanded.
    const shown = bashOutput([
      "alias c='cat '",
      `alias k='~/.ssh/${CANARY}'`,
      'c \\k',
      "c 'k'",
      'command c k',
      'c >/dev/stdout k',
    ]);
    expect(shown).not.toContain('CANARY-SECRET');
  });

  it('keeps ordinary aliases allowed under standard', async () => {
    for (const line of [
      "alias ll='ls -l'",
      "alias la='ls -la'",
      "alias gs='git status'",
      "alias gl='git log --oneline -n 20'",
      "alias pr='gh pr list'",
      'alias py=./venv/bin/python',
      "alias t='~/bin/tool --fast'",
      "alias ll='ls -l' gs='git status'",
      'alias ll',
      'alias -p',
      'alias',
    ]) {
      const decision = await judge(standard, line);
      expect({ line, allowed: decision.allowed, rule: decision.rule }).toMatchObject({ line, allowed: true });
    }
    // Under locked every alias definition stays refused, as before.
    expect((await judge(locked, "alias ll='ls -l'")).rule).toBe('alias');
  });
});
