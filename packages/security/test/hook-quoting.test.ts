// Property test for protectShellIntegration: any spelling of a hook's name that the shell turns
// back into the name (quotes, backslashes, `$'…'` escapes, line continuations, brace expansion)
// is denied wherever it stands. Real bash confirms that every generated spelling means the name,
// and the same spellings of a harmless name stay allowed, so the rule reads words as bash does.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CommandPolicy } from '../src/command/command-policy';

const HOOK = '__orchflow_prompt';
const HARMLESS = '__orchfl0w_prompt';
const hooksOnly = new CommandPolicy({ dangerousVariables: [] });

// mulberry32: a small seeded generator, so a failure names a reproducible case.
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (c: string, width: number) => (c.codePointAt(0) ?? 0).toString(16).padStart(width, '0');
const STYLES: Array<(c: string) => string> = [
  (c) => c,
  (c) => `'${c}'`,
  (c) => `"${c}"`,
  (c) => `\\${c}`,
  (c) => `$'\\x${hex(c, 2)}'`,
  (c) => `$'\\${(c.codePointAt(0) ?? 0).toString(8).padStart(3, '0')}'`,
  (c) => `$'\\u${hex(c, 4)}'`,
  (c) => `\\\n${c}`,
  (c) => `${c}''`,
  (c) => `{${c},x}`,
];

/** One spelling of `name`: each character written in a style picked by `next`. */
function spell(name: string, next: () => number): string {
  return [...name]
    .map((c) => (STYLES[Math.floor(next() * STYLES.length)] as (c: string) => string)(c))
    .join('');
}

// What bash makes of each spelling: its first word (brace alternatives put the name first).
function bashWords(spellings: string[]): string[] {
  const script = spellings.map((s) => `set -- ${s}; printf '%s\\n' "$1"`).join('\n');
  return execFileSync('bash', ['--norc', '--noprofile', '-c', script], { encoding: 'utf8' })
    .split('\n')
    .slice(0, -1);
}

const next = random(20_240_610);
const cases = Array.from({ length: 60 }, () => spell(HOOK, next));
const controls = Array.from({ length: 30 }, () => spell(HARMLESS, next));

describe('protectShellIntegration and quoting', () => {
  it('generates spellings that bash reads as the name', () => {
    expect(bashWords([...cases, ...controls])).toEqual([
      ...cases.map(() => HOOK),
      ...controls.map(() => HARMLESS),
    ]);
  });

  it.each(cases)('denies the hook spelled %j in every position', async (s) => {
    for (const command of [
      s,
      `declare -f ${s}`,
      `echo ${s}`,
      `x=${s}`,
      `unset ${s}`,
      `type ${s} 2>/dev/null`,
    ]) {
      const decision = await hooksOnly.check(command, { cwd: '/tmp' });
      expect({ command, allowed: decision.allowed, rule: decision.rule }).toEqual({
        command,
        allowed: false,
        rule: 'shell-integration',
      });
    }
  });

  it.each(controls)('allows a harmless name spelled %j as an argument', async (s) => {
    const decision = await hooksOnly.check(`echo ${s}`, { cwd: '/tmp' });
    expect({ allowed: decision.allowed, reason: decision.reason }).toMatchObject({ allowed: true });
  });
});
