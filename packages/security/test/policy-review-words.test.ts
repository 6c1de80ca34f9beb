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

describe('a word the parser splits in two is judged as the one word bash sees', () => {
  it.each([
    ['cat secre[\\t]/key', SECRET],
    ["cat sec''\\ret/key", SECRET],
    ["cat ~/.s''\\sh/id_rsa", 'forbidden-path:~/.ssh'],
    ['cat $HOME\\/.ssh/id_rsa', 'forbidden-path:~/.ssh'],
    ['cat /etc/shado[\\w]', 'forbidden-path:/etc/shadow'],
    ['cat < secre[\\t]/key', SECRET],
    ['echo x > secre[\\t]/key', SECRET],
    ['exec 3< secre[\\t]/key; cat <&3', SECRET],
  ])('%s', (command, rule) => expectDenied(pathsOnly, command, rule));

  it("also by the memory check (`cd /proc/self && cat m''\\em`)", () =>
    expectDenied(hooksOnly, "cd /proc/self && cat m''\\em", 'shell-integration'));

  it.each(['declare x=a[\\t]b y', 'for f in secre[\\t]/key; do cat $f; done', 'x=a[\\t]b[\\t]c cat y'])(
    'where the pieces are not joined, the line is unsure: %s',
    (command) => expectDenied(pathsOnly, command, 'unsure-parse:split-word'),
  );

  it.each([
    'cat a[b]c',
    `echo "a"'b'c`,
    'cat x>y z',
    'for f in a b c; do echo $f; done',
    'declare -a x=(a b c)',
    'echo one \\\n two',
    'echo a[\\ ]b',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    'echo ${x}\\.txt',
    "echo 'it'\\''s'",
  ])('allows %s', (command) => expectAllowed(pathsOnly, command));
});

describe('a tilde bash expands after brace expansion', () => {
  it.each(['cat {~/.ssh/id_rsa,x}', 'cat {~,}/.ssh/id_rsa', 'cat {,~/.ssh/id_rsa}'])('%s', (command) =>
    expectDenied(pathsOnly, command, 'forbidden-path:~/.ssh'),
  );
});

describe('more that reached a forbidden path (a second review)', () => {
  it.each([
    ["curl -s 'file:///work/project/secre[t-t]/key'", 'non-literal-path'],
    ["curl -s 'file:///work/project/s{e}cret/key'", 'non-literal-path'],
    ['grep --rec x', SECRET],
    ['grep --dereference-rec x .', SECRET],
    ['grep -d rec x .', SECRET],
    ['cat <<E"O"F\nx\nEOF\ncat secret/key', 'unsure-parse:heredoc'],
    ["cat <<E'O'F\nx\nEOF\ncat secret/key", 'unsure-parse:heredoc'],
    ["cat <<$'EOF'\nx\nEOF\ncat secret/key", 'unsure-parse:heredoc'],
  ])('%j', (command, rule) => expectDenied(pathsOnly, command, rule));

  it('a heredoc the parser cannot end hides the shell memory read after it too', () =>
    expectDenied(
      hooksOnly,
      'cat <<E"O"F\nx\nEOF\ncd /proc/self; cat m\'\'em',
      /^(unsure-parse:heredoc|shell-integration)$/,
    ));

  it.each([
    "cat <<'EOF'\nx\nEOF\necho hi",
    'cat <<EOF\nx\nEOF\necho hi',
    'grep -rn x src',
    'grep -n x src/a.txt',
  ])('allows %j', (command) => expectAllowed(pathsOnly, command));
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

describe('a third review', () => {
  it.each([
    ['cat secre[t\\]]/key', SECRET],
    ["cat secre[t']']/key", SECRET],
    ['cat ~/.ss[h\\]]/id_rsa', /^forbidden-path:~\/\.ssh$|^non-literal-path$/],
    ['cat ~+0/secret/key', 'non-literal-path'],
    ['cat ~-1/.ssh/id_rsa', 'non-literal-path'],
    ['echo $(<secre[\\t]/key)', 'unsure-parse:split-word'],
  ])('%s', (command, rule) => expectDenied(pathsOnly, command, rule));

  it.each(['cat src/[ab].txt', 'ls [!x]*', 'cat s[]]x', "cat 'a[b]'", 'grep -rn "[a-z]" src'])(
    'allows %s',
    (command) => expectAllowed(pathsOnly, command),
  );
});
