// sed's script as code (sed-script.ts): GNU sed runs commands with `e` and `s///e`, reads files
// with `r`/`R` and writes them with `w`/`W`/`s///w`. Under an allowlist that allows sed, such a
// script is refused (`runs-code`) unless `--sandbox` makes sed refuse them itself; the files it
// names are judged against forbidden paths; a script that writes needs `canWriteFiles`. The
// reader's verdicts are checked against GNU sed itself: every effect it finds, sed really has.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CommandPolicy } from '../src/command/command-policy';
import { sedEffects } from '../src/command/sed-script';
import { SecurityPresets } from '../src/policy/presets';
import { developerPolicyInput, expectAllowed, expectDenied, WORKSPACE } from './developer-policy';

const SECRET = `forbidden-path:${WORKSPACE}/secret`;
const locked = SecurityPresets.locked;
// `locked` with sed allowed (it is not in the preset), as a user would add it.
const lockedWithSed = new CommandPolicy({
  ...locked,
  allowedCommands: [...(locked.allowedCommands ?? []), 'sed'],
  forbiddenPaths: developerPolicyInput.forbiddenPaths,
});
const pathsOnly = new CommandPolicy({ forbiddenPaths: developerPolicyInput.forbiddenPaths ?? [] });

describe('reading a sed script', () => {
  it.each([
    ['s/a/b/', {}],
    ['s/a/b/2g', {}],
    [':a;N;$!ba;s/\\n/ /g', {}],
    ['1!G;h;$!d', {}],
    ['/foo/,/bar/{s/x/y/;p}', {}],
    ['s/[/]/X/', {}],
    ['\\,x,d', {}],
    ['y/abc/xyz/', {}],
    ['a\\\nfoo\\\nbar', {}],
    ['/x/I,+2d', {}],
    ['0~3d', {}],
    ['l 5', {}],
    ['# a comment\np', {}],
    ['1e id', { runs: true }],
    [':a e id', { runs: true }],
    ['v 4.2 e id', { runs: true }],
    [':x w out', { writes: ['out'] }],
    ['s/x/id/e', { runs: true }],
    ['2q;s/a/b/e', { runs: true }],
    ['s/a/b/ ; e ls', { runs: true }],
    ['r secret/key', { reads: ['secret/key'] }],
    ['s/a/b/;R f', { reads: ['f'] }],
    ['1w /tmp/x;p', { writes: ['/tmp/x;p'] }],
    ['s/a/b/w out.txt', { writes: ['out.txt'] }],
    ['W file', { writes: ['file'] }],
  ])('%j', (script, want: { runs?: boolean; reads?: string[]; writes?: string[] }) => {
    expect(sedEffects(script)).toEqual({
      runs: want.runs ?? false,
      reads: want.reads ?? [],
      writes: want.writes ?? [],
    });
  });

  it.each(['k', 's/a/b', '1', 's/a/b/x', 's/a\nb/c/'])(
    '%j cannot be read (judged as doing anything)',
    (s) => {
      expect(sedEffects(s).unreadable).toBeDefined();
    },
  );
});

describe('what GNU sed really does with the scripts the reader finds effects in', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orchflow-sed-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'in.txt'), 'READ-BY-SED\n');
  const sed = (script: string) =>
    execFileSync('sed', ['-n', script], { cwd: dir, input: 'x\n', encoding: 'utf8' });

  it.each(['1e touch ran1', 's/x/touch ran2/e', '1{e touch ran3\n}'])('%j runs a command', (script) => {
    const marker = join(dir, /ran\d/.exec(script)?.[0] ?? '');
    sed(script);
    expect(existsSync(marker)).toBe(true);
    expect(sedEffects(script).runs).toBe(true);
  });

  it.each(['r in.txt', '1R in.txt', 'p;r in.txt'])('%j reads in.txt', (script) => {
    expect(sed(script)).toContain('READ-BY-SED');
    expect(sedEffects(script).reads).toEqual(['in.txt']);
  });

  it.each([
    ['w out1', 'out1'],
    ['1W out2', 'out2'],
    ['s/x/y/w out3', 'out3'],
    ['s/x/y/gw out4', 'out4'],
  ])('%j writes %s', (script, file) => {
    sed(script);
    expect(existsSync(join(dir, file))).toBe(true);
    expect(sedEffects(script).writes).toEqual([file]);
  });
});

describe('sed under an allowlist that allows it', () => {
  it.each([
    ["sed -n '1e id' src/a.txt", 'runs-code'],
    ["sed 's/x/id/e' src/a.txt", 'runs-code'],
    ["sed -e 's/a/b/' -e '1e id' src/a.txt", 'runs-code'],
    ['sed "s/$X/b/" src/a.txt', 'runs-code'],
    ["sed 'k' src/a.txt", 'runs-code'],
    ['sed -f - src/a.txt', 'inline-code'],
    ["sed -n ':a e touch x' src/a.txt", 'runs-code'],
    ["sed -n 'v 4.2 e touch x' src/a.txt", 'runs-code'],
    ["sed {#,-e,'1e touch x'} src/a.txt", 'runs-code'],
    ['sed \'s/a/b/\' "$f"', 'runs-code'],
    ['sed -f /dev//stdin src/a.txt', 'inline-code'],
    ['sed -f /dev/./stdin src/a.txt', 'inline-code'],
    ['sed -f /dev/fd/3 src/a.txt', 'inline-code'],
    ["sed --i 's/a/b/' src/a.txt", 'capability:canWriteFiles'],
    ["sed 'r secret/key' src/a.txt", SECRET],
    ["sed '1w out.txt' src/a.txt", 'capability:canWriteFiles'],
  ])('refuses %s', (command, rule) => expectDenied(lockedWithSed, command, rule));

  it.each([
    "sed 's/a/b/' src/a.txt",
    "sed -n '/foo/p' src/a.txt",
    "sed -e 's/a/b/' -e 's/c/d/' src/a.txt",
    "sed ':a;N;$!ba;s/\\n/ /g' src/a.txt",
    "sed -E 's/(a|b)+/x/g' src/a.txt",
    "sed -n '1,5p' src/a.txt",
    "sed 's/a/b/w /dev/stdout' src/a.txt",
    "sed --sandbox '1e id' src/a.txt",
    'sed -f script.sed src/a.txt',
    "sed 's/a/b/' src/*.txt",
  ])('allows %s', (command) => expectAllowed(lockedWithSed, command));
});

describe('files a sed script names, against forbidden paths', () => {
  it.each([
    ["sed 'r secret/key' src/a.txt", SECRET],
    ["sed 's/a/b/w secret/key' src/a.txt", SECRET],
    ["sed 'R /home/agent/.ssh/id_rsa' src/a.txt", 'forbidden-path:~/.ssh'],
    ['sed "r $f" src/a.txt', 'non-literal-path'],
  ])('%s', (command, rule) => expectDenied(pathsOnly, command, rule));

  it.each(["sed 's/a/b/' src/a.txt", 'sed "s/$X/b/" src/a.txt', "sed --sandbox 'r secret/key' src/a.txt"])(
    'allows %s (a denylist judges only the files sed names)',
    (command) => expectAllowed(pathsOnly, command),
  );
});
