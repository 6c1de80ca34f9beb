// Shells that read code by POSIX rules rather than bash's: bash started under the name `sh`
// (`exec -a sh bash`, or `sh` where /bin/sh is bash) runs in posix mode like `bash --posix`, which
// the policy refuses, and dash (Debian's `sh`) differs from bash in ways that hide commands from a
// policy that parses as bash does. `$'…'` is a plain `$` and a single-quoted string to dash, so
// `sh -c "echo \$'\\'; rm -rf /; #'"` was allowed under every preset and dash ran `rm -rf /`; and
// dash's `echo` (like bash's with `-e` or `xpg_echo`) turns `\n`, `\0NNN` or `\xHH` into code, so
// `echo -e 'ls\x3bsudo id' | sh` ran `sudo`, judged as the single word `lsx3bsudo`.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CommandPolicy } from '../src/command/command-policy';
import { SecurityPresets } from '../src/policy/presets';
import { expectAllowed, expectRefused } from './policy-expect';

const standard = new CommandPolicy(SecurityPresets.standard);
const locked = new CommandPolicy(SecurityPresets.locked);
const trusted = new CommandPolicy(SecurityPresets.trusted);
// Only orchflow's shell integration is protected.
const hooksOnly = new CommandPolicy({});
const SUDO = 'deniedCommands[9]: sudo';

// Whether bash started by `launch` (a line of bash) is in posix mode.
function posixAfter(launch: string): boolean {
  const out = execFileSync('bash', ['--norc', '--noprofile', '-c', launch], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return out.includes('POSIX');
}
const PROBE = `-c 'shopt -qo posix && echo POSIX; true'`;

describe('bash started under the name sh', () => {
  it('is in posix mode, as bash --posix is', () => {
    for (const name of ['sh', '-sh', '/bin/sh', '-/usr/bin/sh'])
      expect(posixAfter(`exec -a '${name}' bash ${PROBE}`), name).toBe(true);
    for (const name of ['bash', 'mysh', 'sh5'])
      expect(posixAfter(`exec -a '${name}' bash ${PROBE}`), name).toBe(false);
  });

  it.each([
    'exec -a sh bash',
    'exec -a -sh bash',
    'exec -a /bin/sh /bin/bash',
    'exec -la sh bash',
    'exec -c -a sh bash',
    "exec -a sh bash -c 'echo hi'",
    "(exec -a sh bash -c 'echo hi')",
    'command exec -a sh bash',
    "bash -c 'exec -a sh bash'",
    'env -a sh bash',
    'env --argv0=sh bash',
    'env --argv0 sh bash',
  ])('%s is refused like bash --posix', async (line) => {
    for (const policy of [standard, locked, trusted, hooksOnly])
      await expectRefused(policy, line, 'shell-option:posix');
  });

  it('a name only known at run time could be sh', async () => {
    for (const line of ['exec -a "$n" bash', 'exec -a $n bash -c true', 'exec -a {s,}h bash'])
      for (const policy of [standard, trusted]) await expectRefused(policy, line, 'shell-option:non-literal');
  });

  it('other names, and other programs under the name sh, stay allowed', async () => {
    for (const line of [
      "exec -a mybash bash -c 'echo hi'",
      'exec -a sh5 bash',
      "exec -a sh dash -c 'echo hi'",
      'exec -a sh sleep 1',
      'exec bash',
    ])
      await expectAllowed(standard, line);
  });
});

describe('a program run under another name, under an allowlist', () => {
  // git runs the subcommand its argv[0] names (`git-version`), whatever its arguments say.
  const listing = new CommandPolicy({ allowedCommands: ['exec', 'env', 'git status', 'ls'] });

  it('runs what the name says', () => {
    const out = execFileSync('bash', ['-c', 'exec -a git-version git status'], { encoding: 'utf8' });
    expect(out).toMatch(/^git version/);
  });

  it('is refused, as the policy judges a program by its own name', async () => {
    await expectRefused(listing, 'exec -a git-version git status', 'unsupported-wrapper:exec');
    await expectRefused(listing, 'env -a git-version git status', 'unsupported-wrapper:env');
    await expectRefused(listing, 'env --argv0=git-version git status', 'unsupported-wrapper:env');
    await expectAllowed(listing, 'exec git status');
    await expectAllowed(listing, 'env ls');
  });
});

describe('a POSIX sh reading the lines typed after it', () => {
  // What follows on the terminal is read by bash in posix mode (where sh is bash) or by dash.
  it.each([
    'sh',
    'sh -i',
    'sh -s',
    'sh -l',
    'sh /dev/stdin',
    'exec sh',
    'exec /bin/sh',
    'dash',
    'env sh',
    'nice sh',
    "bash -c 'sh'",
  ])('%s is refused', async (line) => {
    for (const policy of [standard, locked, trusted, hooksOnly])
      await expectRefused(policy, line, 'shell-option:posix');
  });

  it('sh running code or a script, and bash on the terminal, stay allowed', async () => {
    for (const line of [
      "sh -c 'echo hi'",
      'sh ./build.sh',
      "echo 'echo hi' | sh",
      'sh < /dev/null',
      "sh <<< 'echo hi'",
      'bash',
      'exec bash',
    ])
      await expectAllowed(standard, line);
  });
});

describe("a single quote inside $'…'", () => {
  const hidden = (command: string) => `sh -c "echo \\$'\\\\'; ${command}; #'"`;

  it('ends the string in dash, which then runs the rest of the line', () => {
    const inner = `echo $'\\'; echo RAN-SECOND; #'`;
    expect(execFileSync('dash', ['-c', inner], { encoding: 'utf8' })).toContain('RAN-SECOND');
    expect(execFileSync('bash', ['-c', inner], { encoding: 'utf8' })).not.toContain('RAN-SECOND\n');
  });

  it.each([
    hidden('rm -rf /'),
    hidden('sudo id'),
    `echo $'it\\'s'`,
    `echo $'\\\\\\''`,
    `f() { echo $'a\\'b'; }`,
  ])('%s is refused under every preset', async (line) => {
    for (const policy of [standard, locked, trusted])
      await expectRefused(policy, line, 'unsure-parse:quote-in-ansi-c');
  });

  it('other escapes, and quotes outside such a string, stay allowed', async () => {
    for (const line of [
      `echo $'a\\tb\\n'`,
      `printf $'%s\\n' x`,
      `echo "it's"`,
      `echo "$'x'"`,
      `X=$'\\n'`,
      `echo $'\\\\'`,
    ])
      await expectAllowed(standard, line);
  });
});

describe('escapes in the text echo or printf pipe into a shell', () => {
  it("are code to dash's echo, to echo -e and to printf", () => {
    const run = (shell: string, line: string) =>
      execFileSync(shell, ['-c', `${line}; true`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(run('dash', `echo 'true\\necho RAN' | sh`)).toContain('RAN');
    expect(run('bash', `echo -e 'true\\x3becho RAN' | sh`)).toContain('RAN');
    expect(run('bash', `printf 'true\\073echo RAN\\n' | sh`)).toContain('RAN');
    // dash keeps `\x27` as text where bash reads a quote that swallows the middle line.
    expect(run('dash', `echo 'true \\x27\\necho RAN\\n\\x27' | sh`)).toContain('RAN');
    expect(run('bash', `echo -e 'true \\x27\\necho RAN\\n\\x27' | bash`)).not.toContain('RAN');
  });

  it.each([
    `sh -c "echo 'ls\\nsudo id' | sh"`,
    `echo 'ls\\nsudo id' | dash`,
    `echo 'ls\\nsudo id' | bash`,
    `echo -e 'ls\\x3bsudo id' | sh`,
    `echo -e 'ls\\0073sudo id' | sh`,
    `echo -e 'ls\\u003bsudo id' | sh`,
    `echo 'ls\\073sudo id' | sh`,
    `printf 'ls\\073sudo id\\n' | sh`,
    `printf 'ls\\x3bsudo id\\n' | bash`,
    `echo 'ls\\c; sudo id' | sh`,
    `bash <(echo -e 'ls\\x3bsudo id')`,
    // Only dash's reading (`\x27` kept as text) runs sudo.
    `echo 'true \\x27\\nsudo id\\n\\x27' | sh`,
  ])('%s is refused', async (line) => {
    await expectRefused(standard, line, SUDO);
  });

  it('the catastrophic rules see them too', async () => {
    await expectRefused(trusted, `echo -e 'ls\\x3brm -rf /' | sh`, 'deniedCommands[0]: rm -rf /');
  });

  it('text without escapes, and escapes that stay words, stay allowed', async () => {
    for (const line of [
      "echo 'echo hi' | sh",
      "printf 'ls\\n' | sh",
      "echo -e 'ls\\tsrc' | sh",
      "printf '%s\\n' 'ls\\nsudo id' | sh",
    ])
      await expectAllowed(standard, line);
  });
});
