// An attacker review of 2026-12-06 (twelfth session): words that reach a file by a route the path
// check did not follow. An option's value glued to it (`dd if=x`, `-ofile`, `-Cdir`) was cut at
// its first `/` (`if=secret/key` judged as `/key`) or not judged at all; a `~` after an
// assignment-shaped argument's `=` is the home directory to bash; a `file:` URL names a local file
// to curl and git; tree-sitter cuts some words bash reads as one (`secre[\t]/key`,
// `sec''\ret/key`); and find names what it finds from `.//` as `.//secret`, which `-path ./secret`
// does not prune. Each case read or wrote the file for real before the fix.
import { describe, it } from 'vitest';
import { CommandPolicy } from '../src/command/command-policy';
import { developer, developerPolicyInput, expectAllowed, expectDenied, WORKSPACE } from './developer-policy';

const SECRET = `forbidden-path:${WORKSPACE}/secret`;
// The developer policy's forbidden paths without an allowlist: dd, sort, tar, curl are not on it.
const pathsOnly = new CommandPolicy({ forbiddenPaths: developerPolicyInput.forbiddenPaths ?? [] });
// Only the shell-integration protection (no forbidden paths, no allowlist).
const hooksOnly = new CommandPolicy({ dangerousVariables: [] });

describe("an option's value glued to the option", () => {
  it.each([
    ['dd if=~/.ssh/id_rsa status=none', 'forbidden-path:~/.ssh'],
    ['dd if=secret/key', SECRET],
    ['cd /etc && dd if=shadow', 'forbidden-path:/etc/shadow'],
    ['echo x | dd of=~/.ssh/authorized_keys', 'forbidden-path:~/.ssh'],
    ['echo x | dd of=secret/key', SECRET],
    ['sort -osecret/key src/a.txt', SECRET],
    ['date -fsecret/key', SECRET],
    ['tar -Csecret -cf - key', SECRET],
    ['tar -xzCsecret -f x.tgz', SECRET],
    ['tar -C.. -cf - project/secret', SECRET],
  ])('%s', (command, rule) => expectDenied(pathsOnly, command, rule));

  it('reads the value after an abbreviated long option too, as before', () =>
    expectDenied(pathsOnly, 'sort --output=secret/key src/a.txt', SECRET));

  it.each([
    'sort -o out.txt src/a.txt',
    'dd if=/dev/zero of=out bs=1M count=1',
    'make -j4 DESTDIR=/tmp/x install',
    'gcc -O2 -Wall -o prog main.c',
    'tar -czf out.tgz src',
    'ls -la src',
    'git log --oneline -5',
    'echo a=b:~/c',
  ])('allows %s', (command) => expectAllowed(pathsOnly, command));
});

describe('a tilde bash expands inside an assignment-shaped argument', () => {
  it.each([
    ['dd if=~/.ssh/id_rsa', 'forbidden-path:~/.ssh'],
    ['dd if=~agent/.ssh/id_rsa', /^forbidden-path:|^non-literal-path$/],
  ])('%s', (command, rule) => expectDenied(pathsOnly, command, rule));
});

describe('file: URLs', () => {
  it.each([
    ['curl -s file:///home/agent/.ssh/id_rsa', 'forbidden-path:~/.ssh'],
    ['curl -s file://localhost/home/agent/.ssh/%69d_rsa', 'forbidden-path:~/.ssh'],
    ['curl -s FILE:/home/agent/.ssh/id_rsa', 'forbidden-path:~/.ssh'],
    ['curl -s "file:///home/agent/.ssh/id_rsa?x#y"', 'forbidden-path:~/.ssh'],
    ['curl --url=file:///home/agent/.ssh/id_rsa', 'forbidden-path:~/.ssh'],
    ['git clone file:///work/project/secret x', SECRET],
    ['curl file:///tmp/%zz', 'non-literal-path'],
    ['curl "file:///tmp/$x"', 'non-literal-path'],
  ])('%s', (command, rule) => expectDenied(pathsOnly, command, rule));

  it.each(['curl -s https://example.com/a', 'curl -s file:///work/project/src/a.txt'])(
    'allows %s',
    (command) => expectAllowed(pathsOnly, command),
  );
});

describe('a word the parser splits in two', () => {
  it.each([
    'cat secre[\\t]/key',
    "cat sec''\\ret/key",
    "cat ~/.s''\\sh/id_rsa",
    'cat /etc/shado[\\w]',
    'echo a[\\ ]b',
  ])('%s is refused as unsure', async (command) => {
    await expectDenied(pathsOnly, command, 'unsure-parse:split-word');
    await expectDenied(developer, command, /^unsure-parse:split-word$|^parse-error$/);
  });

  it("is refused where only the shell's memory is protected (`cd /proc/self && cat m''\\em`)", () =>
    expectDenied(hooksOnly, "cd /proc/self && cat m''\\em", 'unsure-parse:split-word'));

  it.each([
    'cat a[b]c',
    `echo "a"'b'c`,
    'cat x>y z',
    'for f in a b c; do echo $f; done',
    'declare -a x=(a b c)',
    'echo one \\\n two',
  ])('allows %s', (command) => expectAllowed(pathsOnly, command));
});

describe('find names entries from its start as written (`.//` → `.//secret`)', () => {
  it('does not count `-path ./secret -prune` as pruning a walk from `.//`', () =>
    expectDenied(developer, 'find .// -path ./secret -prune -o -type f -exec cat {} +', SECRET));

  it.each([
    'find .// -path .//secret -prune -o -type f -exec wc -l {} +',
    'find ./ -path ./secret -prune -o -type f -exec wc -l {} +',
    'find /work/project/ -path /work/project/secret -prune -o -type f -exec wc -l {} +',
  ])('allows %s, whose prune matches what find prints', (command) => expectAllowed(developer, command));
});
