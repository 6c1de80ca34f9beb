// A single quote inside a double-quoted `${…}` quotes in bash but not in sh (dash) or bash's posix
// mode, so in code sh runs it could hide commands from a policy that parses as bash does:
// `sh -c 'echo "${U:-'\''}" ; su -c id nobody ; echo "'\''}"'` was allowed under `standard` and dash
// ran `su`. Such a quote is now an unsure parse wherever commands are restricted.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CommandPolicy, SecurityPresets } from '../src';

const check = (preset: 'standard' | 'locked' | 'trusted', line: string) =>
  new CommandPolicy(SecurityPresets[preset]).check(line, { cwd: '/tmp' });

const BYPASS = `sh -c 'echo "\${U:-'\\''}" ; su -c id nobody ; echo "'\\''}"'`;

describe('a single quote inside a double-quoted parameter expansion', () => {
  it('is how dash reads it: the line runs su although bash reads one echo', () => {
    // What sh does with the inner code (dash is /bin/sh here); `su` replaced by a marker.
    const inner = `echo "\${U:-'}" ; echo RAN-SECOND ; echo "'}"`;
    expect(execFileSync('sh', ['-c', inner], { encoding: 'utf8' })).toContain('RAN-SECOND');
  });

  it.each(['standard', 'locked', 'trusted'] as const)('is refused under %s', async (preset) => {
    const decision = await check(preset, BYPASS);
    expect(decision.allowed).toBe(false);
    if (preset === 'standard') expect(decision.rule).toBe('unsure-parse:quote-in-expansion');
    expect((await check(preset, `echo "\${x:-'default'}"`)).rule).toBe('unsure-parse:quote-in-expansion');
  });

  it('leaves quotes outside such an expansion alone', async () => {
    for (const line of [
      `echo "\${HOME:-/tmp}" 'single' "double"`,
      `echo "$(echo \${x:-'a'})"`,
      `echo \${x:-'unquoted expansion'}`,
      `printf '%s\\n' "it's" "\${PWD}"`,
    ]) {
      const decision = await check('standard', line);
      expect(decision.rule, line).not.toBe('unsure-parse:quote-in-expansion');
    }
  });
});
