// Adversarial table for CommandPolicy: every construct that can hide a command, every wrapper,
// fail-closed cases, forbidden paths through cd, `..` and symlinks, and benign commands that
// must stay allowed.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandPolicy } from '../src/command/command-policy';
import { SecurityPresets } from '../src/policy/presets';
import type { SecurityPolicyInput } from '../src/policy/schema';

const root = mkdtempSync(join(tmpdir(), 'orchflow-policy-'));
const secret = join(root, 'secret');
const work = join(root, 'work');

// Sees through everything to find `rm`; no allowlist.
const denyRm: SecurityPolicyInput = { deniedCommands: ['rm', 'curl -X DELETE'] };
// An allowlist that includes the wrappers, so only the wrapped command decides.
const allowList: SecurityPolicyInput = {
  allowedCommands: [
    'ls',
    'cat',
    'echo',
    'git status',
    'npm run test:*',
    'env',
    'sudo',
    'nice',
    'timeout',
    'xargs',
    'find',
    'command',
    'exec',
    'bash',
    'sh',
    'tee',
    'cp',
    'cd',
    'diff',
    'true',
    'grep',
    'nohup',
    'stdbuf',
    'setsid',
  ],
  forbiddenPaths: ['/etc', secret],
};

// The reviewer's shapes: a small allowlist, and a denylist, both with forbidden paths.
const allow4: SecurityPolicyInput = {
  allowedCommands: ['ls', 'cat', 'echo', 'git status'],
  forbiddenPaths: ['/etc/shadow', secret],
};
const denyPaths: SecurityPolicyInput = {
  deniedCommands: ['rm -rf /'],
  forbiddenPaths: ['/etc/shadow', secret],
};

type Row = [
  command: string,
  policy: SecurityPolicyInput | keyof typeof SecurityPresets,
  allowed: boolean,
  rule: string,
  cwd?: string,
];

const rows: Row[] = [
  // Lists, pipelines, separators.
  ['a; rm x', denyRm, false, 'deniedCommands[0]: rm'],
  ['ls && rm x', denyRm, false, 'deniedCommands[0]'],
  ['ls || rm x', denyRm, false, 'deniedCommands[0]'],
  ['ls | rm x', denyRm, false, 'deniedCommands[0]'],
  ['ls\nrm x', denyRm, false, 'deniedCommands[0]'],
  ['ls & rm x', denyRm, false, 'deniedCommands[0]'],
  ['! rm x', denyRm, false, 'deniedCommands[0]'],
  // Grouping, functions, control flow.
  ['{ rm x; }', denyRm, false, 'deniedCommands[0]'],
  ['(rm x)', denyRm, false, 'deniedCommands[0]'],
  ['f() { rm x; }; f', denyRm, false, 'deniedCommands[0]'],
  ['if true; then rm x; fi', denyRm, false, 'deniedCommands[0]'],
  ['for i in 1 2; do rm $i; done', denyRm, false, 'deniedCommands[0]'],
  ['while true; do rm x; done', denyRm, false, 'deniedCommands[0]'],
  ['case a in a) rm x;; esac', denyRm, false, 'deniedCommands[0]'],
  // Substitutions, including inside double quotes and heredocs.
  ['echo "$(rm -rf /)"', denyRm, false, 'deniedCommands[0]'],
  ['echo `rm x`', denyRm, false, 'deniedCommands[0]'],
  ['echo "a `rm x` b"', denyRm, false, 'deniedCommands[0]'],
  ['diff <(rm x) <(ls)', denyRm, false, 'deniedCommands[0]'],
  ['ls >(rm x)', denyRm, false, 'deniedCommands[0]'],
  ['x=$(rm y)', denyRm, false, 'deniedCommands[0]'],
  ['export X=$(rm y)', denyRm, false, 'deniedCommands[0]'],
  ['echo $((1 + $(rm x)))', denyRm, false, 'deniedCommands[0]'],
  ['[[ -f $(rm x) ]]', denyRm, false, 'deniedCommands[0]'],
  ['cat <<EOF\n$(rm x)\nEOF', denyRm, false, 'deniedCommands[0]'],
  ["cat <<'EOF'\n$(rm x)\nEOF", denyRm, true, 'default-allow'],
  ['cat <<< "$(rm x)"', denyRm, false, 'deniedCommands[0]'],
  ['ls > "$(rm x)"', denyRm, false, 'deniedCommands[0]'],
  // Command strings.
  ["bash -c 'rm -rf /'", denyRm, false, 'deniedCommands[0]'],
  ['sh -c "ls; rm x"', denyRm, false, 'deniedCommands[0]'],
  ["bash -lc 'rm x'", denyRm, false, 'deniedCommands[0]'],
  ['bash -c "bash -c \'rm x\'"', denyRm, false, 'deniedCommands[0]'],
  ["env -S 'rm x'", denyRm, false, 'deniedCommands[0]'],
  ['eval rm x', denyRm, false, 'deniedCommands[0]'],
  ["alias ls='rm x'", denyRm, false, 'deniedCommands[0]'],
  ["trap 'rm x' EXIT", denyRm, false, 'deniedCommands[0]'],
  // Wrappers.
  ['env rm x', denyRm, false, 'deniedCommands[0]'],
  ['env -i FOO=1 rm x', denyRm, false, 'deniedCommands[0]'],
  ['env -u HOME -C /tmp rm x', denyRm, false, 'deniedCommands[0]'],
  ['sudo -u x rm y', denyRm, false, 'deniedCommands[0]'],
  ['sudo -E --user=x FOO=1 rm y', denyRm, false, 'deniedCommands[0]'],
  ['nice -n 5 rm x', denyRm, false, 'deniedCommands[0]'],
  ['nice -5 rm x', denyRm, false, 'deniedCommands[0]'],
  ['nohup rm x', denyRm, false, 'deniedCommands[0]'],
  ['timeout 5 rm x', denyRm, false, 'deniedCommands[0]'],
  ['timeout -s KILL -k 1 5 rm x', denyRm, false, 'deniedCommands[0]'],
  ['stdbuf -oL rm x', denyRm, false, 'deniedCommands[0]'],
  ['command rm x', denyRm, false, 'deniedCommands[0]'],
  ['exec rm x', denyRm, false, 'deniedCommands[0]'],
  ['builtin command exec rm x', denyRm, false, 'deniedCommands[0]'],
  ['xargs rm', denyRm, false, 'deniedCommands[0]'],
  ['xargs -0 -n 1 -I{} rm {}', denyRm, false, 'deniedCommands[0]'],
  ['find . -exec rm {} \\;', denyRm, false, 'deniedCommands[0]'],
  ['find . -name x -execdir rm {} +', denyRm, false, 'deniedCommands[0]'],
  ['find . -ok rm {} \\;', denyRm, false, 'deniedCommands[0]'],
  ['sudo env timeout 5 nice rm x', denyRm, false, 'deniedCommands[0]'],
  ['time rm x', denyRm, false, 'deniedCommands[0]'],
  ['busybox rm x', denyRm, false, 'deniedCommands[0]'],
  ['setsid rm x', denyRm, false, 'deniedCommands[0]'],
  ["watch -n 5 'rm x'", denyRm, false, 'deniedCommands[0]'],
  // Program names spelled differently.
  ['/bin/rm x', denyRm, false, 'deniedCommands[0]'],
  ['\\rm x', denyRm, false, 'deniedCommands[0]'],
  ["r''m x", denyRm, false, 'deniedCommands[0]'],
  ['"rm" x', denyRm, false, 'deniedCommands[0]'],
  ['r"m" x', denyRm, false, 'deniedCommands[0]'],
  ['./../../bin/rm x', denyRm, false, 'deniedCommands[0]'],
  ['curl -s -X DELETE http://x', denyRm, false, 'deniedCommands[1]: curl -X DELETE'],
  ['curl -s http://x', denyRm, true, 'default-allow'],
  // Fail closed under an allowlist.
  ['$cmd x', allowList, false, 'non-literal-command'],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
  ['${x} y', allowList, false, 'non-literal-command'],
  ["$'\\x72m' x", allowList, false, 'non-literal-command'],
  ['{r,}m x', allowList, false, 'parse-error'],
  ['r{m,} x', allowList, false, 'non-literal-command'],
  ['/bin/r? x', allowList, false, 'non-literal-command'],
  ['$(echo rm) x', allowList, false, 'non-literal-command'],
  ['eval ls', allowList, false, 'eval'],
  ['ls (', allowList, false, 'parse-error'],
  ['echo "unterminated', allowList, false, 'parse-error'],
  ['bash -c "$x"', allowList, false, 'non-literal-command'],
  ['setsid ls', allowList, false, 'unsupported-wrapper:setsid'],
  ['sudo --frobnicate ls', allowList, false, 'unsupported-wrapper:sudo'],
  ['rm x', allowList, false, 'allowedCommands: no match'],
  ['env rm x', allowList, false, 'allowedCommands: no match'],
  ['sudo -u x rm y', allowList, false, 'allowedCommands: no match'],
  ['timeout 5 rm x', allowList, false, 'allowedCommands: no match'],
  ['xargs rm', allowList, false, 'allowedCommands: no match'],
  ['find . -exec rm {} \\;', allowList, false, 'allowedCommands: no match'],
  ["bash -c 'rm -rf /'", allowList, false, 'allowedCommands: no match'],
  ['ls; git push', allowList, false, 'allowedCommands: no match'],
  ['npm run build', allowList, false, 'allowedCommands: no match'],
  ['f() { rm x; }; f', allowList, false, 'allowedCommands: no match'],
  ['f() { ls; }; f', allowList, false, 'allowedCommands: no match'],
  ['timeout 5 ls', allowList, true, 'allowedCommands'],
  ['env CI=1 ls', allowList, true, 'allowedCommands'],
  ['env FOO=1 ls', allowList, false, 'dangerous-assignment:FOO'],
  ["bash -c 'ls | grep x'", allowList, true, 'allowedCommands'],
  // {} may be ./link, the symlink to secret/ (judged as `grep -l x ./link` is).
  ['find . -name "*.ts" -exec grep -l x {} +', allowList, false, `forbidden-path:${secret}`, work],
  ['find . -name "*.ts" -exec grep -l x {} +', allowList, true, 'allowedCommands', join(work, 'nested')],
  // find walks into every directory below its start point: from root it lists secret/.
  ['find . -name "*.ts" -exec grep -l x {} +', allowList, false, `forbidden-path:${secret}`],
  // Dangerous assignments.
  ['LD_PRELOAD=/tmp/x.so ls', allowList, false, 'dangerous-assignment:LD_PRELOAD'],
  ['BASH_ENV=/tmp/x ls', 'standard', false, 'dangerous-assignment:BASH_ENV'],
  ['PATH=/tmp:$PATH ls', 'locked', false, 'dangerous-assignment:PATH'],
  ['export LD_LIBRARY_PATH=/tmp', 'standard', false, 'dangerous-assignment:LD_LIBRARY_PATH'],
  ['env LD_PRELOAD=x ls', 'standard', false, 'dangerous-assignment:LD_PRELOAD'],
  ['sudo PATH=/tmp ls', denyRm, false, 'dangerous-assignment:PATH'],
  ['LD_PRELOAD=x ls', 'trusted', true, 'default-allow'],
  ['CI=1 ls', allowList, true, 'allowedCommands'],
  ['FOO=1 ls', allowList, false, 'dangerous-assignment:FOO'],
  // Forbidden paths.
  ['cat /etc/shadow', allowList, false, 'forbidden-path:/etc'],
  ['ls > /etc/x', allowList, false, 'forbidden-path:/etc'],
  ['echo hi >> /etc/profile', allowList, false, 'forbidden-path:/etc'],
  ['cat < /etc/hosts', allowList, false, 'forbidden-path:/etc'],
  ['cd /etc && cat shadow', allowList, false, 'forbidden-path:/etc', '/tmp'],
  ['cd / ; cd etc; cat hosts', allowList, false, 'forbidden-path:/etc', '/tmp'],
  ['cat ../../etc/shadow', allowList, false, 'forbidden-path:/etc', '/usr/share'],
  ['cat shadow', allowList, false, 'forbidden-path:/etc', '/etc'],
  ['echo x | tee /etc/x', allowList, false, 'forbidden-path:/etc'],
  ['cp a /etc/', allowList, false, 'forbidden-path:/etc', '/tmp'],
  ['cp --target-directory /etc a', allowList, false, 'forbidden-path:/etc', '/tmp'],
  ['cat /etc/sha*', allowList, false, 'forbidden-path:/etc'],
  ['cat /et?/shadow', allowList, false, 'forbidden-path:/etc'],
  ['grep --file=/etc/shadow x', allowList, false, 'forbidden-path:/etc'],
  ['cat link/key', allowList, false, `forbidden-path:${secret}`, work],
  ['cat link/../secret/key', allowList, false, `forbidden-path:${secret}`, work],
  ['cat ../secret/key', allowList, false, `forbidden-path:${secret}`, work],
  ['cat nested/../../secret', allowList, false, `forbidden-path:${secret}`, work],
  ['cat ~/.ssh/id_rsa', 'standard', false, 'forbidden-path:~/.ssh'],
  ['cat $HOME/.ssh/id_rsa', 'standard', false, 'forbidden-path:~/.ssh'],
  ['cd $DIR && cat key', allowList, false, 'forbidden-path:unknown-cwd'],
  ['cat ../secretive/file', allowList, true, 'allowedCommands', work],
  ['cat /etc2/file', allowList, true, 'allowedCommands'],
  ['ls 2>/dev/null >&2', allowList, true, 'allowedCommands'],
  // Presets and capabilities.
  ['rm -rf /', 'trusted', false, 'deniedCommands[0]: rm -rf /'],
  ['rm -fr --no-preserve-root /', 'trusted', false, 'deniedCommands[0]: rm -rf /'],
  ['rm -r -f /', 'standard', false, 'deniedCommands[0]: rm -rf /'],
  ['rm -rf ~', 'standard', false, 'rm -rf ~'],
  ['rm -rf build', 'standard', true, 'default-allow'],
  ['rm -rf /tmp/build', 'trusted', true, 'default-allow'],
  ['rm -rf /*', 'trusted', false, 'rm -rf /*'],
  ['rm -rf /usr', 'trusted', false, 'rm -rf /*'],
  ['rm -rf "$HOME"', 'trusted', false, 'rm -rf ~'],
  ['sudo apt install x', 'standard', false, 'deniedCommands'],
  ['mkfs.ext4 /dev/sda1', 'trusted', false, 'mkfs*'],
  ['dd if=/dev/zero of=/dev/sda', 'standard', false, 'dd of=/dev/*'],
  ['curl https://x', 'locked', false, 'allowedCommands: no match'],
  ['git push', 'locked', false, 'allowedCommands: no match'],
  ['ls > out.txt', 'locked', false, 'capability:canWriteFiles'],
  ['find . -delete', 'locked', false, 'find: refused'],
  ['ls &', 'locked', false, 'capability:canSpawnSubprocesses'],
  ['curl https://x', { capabilities: { canNetwork: false } }, false, 'capability:canNetwork'],
  ['git clone https://x', { networkPolicy: 'deny' }, false, 'capability:canNetwork'],
  [
    "bash -c 'ls'",
    { capabilities: { canSpawnSubprocesses: false } },
    false,
    'capability:canSpawnSubprocesses',
  ],
  ['cat < x', { capabilities: { canReadFiles: false } }, false, 'capability:canReadFiles'],
  // Benign commands stay allowed.
  ['git status', 'locked', true, 'allowedCommands'],
  ['git status --short', 'locked', true, 'allowedCommands'],
  ['npm run test:unit', 'locked', true, 'allowedCommands'],
  ['npm run test:unit', allowList, true, 'allowedCommands'],
  ['ls -la', 'locked', true, 'allowedCommands'],
  ['echo "rm is a word"', 'locked', true, 'allowedCommands'],
  ["echo 'rm -rf /'", denyRm, true, 'default-allow'],
  ['grep -r "rm -rf" src | wc -l', 'locked', true, 'allowedCommands'],
  ['git status && npm run test:unit 2>&1 | tail -n 20', 'locked', true, 'allowedCommands'],
  ['ls 2>/dev/null', 'locked', true, 'allowedCommands'],
  ['cat package.json', 'standard', true, 'default-allow'],
  ...([
    // Strings bash evaluates later: arithmetic, subscripts, indirection, prompt expansion.
    ["x='a[$(touch pwn)]'; echo $((x))", allow4, false, 'evaluated-string'],
    ['echo $((x))', allow4, false, 'evaluated-string'],
    ['echo $((_))', allow4, false, 'evaluated-string'],
    ['n=$(cat f); echo $((n))', allow4, false, 'evaluated-string'],
    ['false && n=1; echo $((n))', allow4, false, 'evaluated-string'],
    ['((x++))', allow4, false, 'evaluated-string'],
    ["printf -v 'a[$(touch pwn)]' x", 'locked', false, 'evaluated-string'],
    ["test -v 'a[$(touch pwn)]'", 'locked', false, 'evaluated-string'],
    ["[ -v 'a[$(touch pwn)]' ]", 'locked', false, 'evaluated-string'],
    ["[[ -v 'a[$(touch pwn)]' ]]", allow4, false, 'evaluated-string'],
    ['[[ $x -eq 1 ]]', allow4, false, 'evaluated-string'],
    ["unset 'a[$(touch pwn)]'", allow4, false, 'evaluated-string'],
    ['a[k]=1', allow4, false, 'evaluated-string'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    ['echo ${s:x}', allow4, false, 'evaluated-string'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    ['echo ${!x}', allow4, false, 'evaluated-string'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    ["x='a[$(touch pwn)]'; echo ${!x}", allow4, false, 'evaluated-string'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    ['echo ${x@P}', allow4, false, 'evaluated-string'],
    ['declare -n r=x', allow4, false, 'evaluated-string'],
    ['declare -i n', allow4, false, 'evaluated-string'],
    ['let n=x+1', { allowedCommands: ['let'] }, false, 'evaluated-string'],
    ['builtin printf -v "a[$x]" y', { allowedCommands: ['builtin', 'printf'] }, false, 'evaluated-string'],
    ['n=3; echo $((n * 2))', allow4, true, 'allowedCommands'],
    ['for ((i = 0; i < 3; i++)); do echo $i; done', allow4, true, 'allowedCommands'],
    ['for i in 1 2 3; do echo $((i + 1)); done', allow4, true, 'allowedCommands'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    ['echo $((1 + 2)) ${#x} ${x:-d} ${a[@]} ${a[0]} ${!a[@]} $(($# + $?))', allow4, true, 'allowedCommands'],
    ['unset x; declare -p x; export CI=1', allow4, true, 'allowedCommands'],
    // Variables that steer the shell itself, however they are assigned.
    ["PS0='$(touch pwn)'", 'standard', false, 'dangerous-assignment:PS0'],
    ["PS1='$(touch pwn)'", allow4, false, 'dangerous-assignment:PS1'],
    ["PROMPT_COMMAND='touch pwn'", allow4, false, 'dangerous-assignment:PROMPT_COMMAND'],
    ['HISTFILE=/root/.bashrc', 'standard', false, 'dangerous-assignment:HISTFILE'],
    ['CDPATH=/root', 'standard', false, 'dangerous-assignment:CDPATH'],
    ['IFS=/', 'standard', false, 'dangerous-assignment:IFS'],
    ['HOME=/etc', 'standard', false, 'dangerous-assignment:HOME'],
    ['BASH_XTRACEFD=3 ls', 'standard', false, 'dangerous-assignment:BASH_XTRACEFD'],
    ['GLOBIGNORE=x', 'standard', false, 'dangerous-assignment:GLOBIGNORE'],
    ['declare -n r=PROMPT_COMMAND; r=x', 'standard', false, 'dangerous-assignment:PROMPT_COMMAND'],
    ['printf -v PATH /tmp', 'standard', false, 'dangerous-assignment:PATH'],
    ['read PATH <<< /tmp', 'standard', false, 'dangerous-assignment:PATH'],
    ['mapfile -t PATH <<< /tmp', 'standard', false, 'dangerous-assignment:PATH'],
    ["export 'BASH_ENV=/tmp/x'", 'standard', false, 'dangerous-assignment:BASH_ENV'],
    ['export -f ls', 'standard', false, 'dangerous-assignment:BASH_FUNC_ls%%'],
    ['for PATH in /tmp; do ls; done', 'standard', false, 'dangerous-assignment:PATH'],
    ['local HOME=/etc', 'standard', false, 'dangerous-assignment:HOME'],
    ['PS1=x', { dangerousVariables: [], protectShellIntegration: false }, true, 'default-allow'],
    // Hooks that run code later, out of the policy's sight.
    ["trap 'touch pwn' EXIT", allow4, false, 'trap'],
    ["trap 'x' INT", 'locked', false, 'trap'],
    ['trap - EXIT', { allowedCommands: ['trap'] }, true, 'allowedCommands'],
    ["alias x='rm'", allow4, false, 'alias'],
    ['enable -f /tmp/x.so rm', { ...allow4, protectShellIntegration: false }, false, 'enable'],
    ['coproc rm x', allow4, false, 'unsupported-wrapper:coproc'],
    // Functions never shadow the allowlist: every call is judged by name, bodies on their own.
    ['(rm() { ls; }); rm -rf x', allow4, false, 'allowedCommands: no match'],
    [
      'rm() { ls; }; command rm -rf x',
      { allowedCommands: ['ls', 'command'] },
      false,
      'allowedCommands: no match',
    ],
    ['rm() { ls; }; /bin/rm -rf x', allow4, false, 'allowedCommands: no match'],
    ['ls || rm() { ls; }; rm -rf x', allow4, false, 'allowedCommands: no match'],
    ['ls() { rm -rf x; }; ls', allow4, false, 'allowedCommands: no match'],
    ["node() { ls; }; node -e 'x'", allow4, false, 'allowedCommands: no match'],
    // Forbidden paths: where cd goes, ~user, braces, run-time words, /proc links, new symlinks, globs.
    ['cd -; cat shadow', allowList, false, 'forbidden-path:unknown-cwd'],
    ['pushd /etc; cat shadow', denyPaths, false, 'forbidden-path:/etc/shadow', '/tmp'],
    ['popd; cat shadow', denyPaths, false, 'forbidden-path:unknown-cwd'],
    ['pushd +1; cat x', denyPaths, false, 'forbidden-path:unknown-cwd'],
    ['CDPATH=/etc cd x', denyPaths, false, 'dangerous-assignment:CDPATH'],
    ['cat ~root/.ssh/id_rsa', 'standard', false, 'forbidden-path:'],
    ['cat ~nosuchuser0/x', denyPaths, false, 'non-literal-path'],
    ['cat ~-/shadow', denyPaths, false, 'non-literal-path'],
    ['cat /etc/{shadow,x}', denyPaths, false, 'forbidden-path:/etc/shadow'],
    ['cat /etc/sha{d,}ow', denyPaths, false, 'forbidden-path:/etc/shadow'],
    ['cat {/tmp,/etc}/shadow', denyPaths, false, 'forbidden-path:/etc/shadow'],
    ['x=/etc/shadow; cat $x', denyPaths, false, 'non-literal-path'],
    ['x=/etc/shadow; cat $x', allow4, false, 'non-literal-path'],
    [
      'HOME=/etc; cat ~/shadow',
      { forbiddenPaths: ['/etc/shadow'], dangerousVariables: [] },
      false,
      'non-literal-path',
    ],
    ['cat "$(printf /etc/shadow)"', denyPaths, false, 'non-literal-path'],
    ['ls > "$f"', denyPaths, false, 'non-literal-path'],
    ['echo $x', denyPaths, true, 'default-allow'],
    ['ls *.txt', denyPaths, true, 'default-allow'],
    ['cat /proc/self/root/etc/shadow', denyPaths, false, 'forbidden-path:'],
    ['cat /proc/self/cwd/x', denyPaths, false, 'forbidden-path:/proc'],
    ['cat /proc/1/fd/3', denyPaths, false, 'forbidden-path:/proc'],
    ['cat /dev/fd/0', denyPaths, true, 'default-allow'],
    ['ln -s /etc x; cat x/shadow', denyPaths, false, 'forbidden-path:/etc/shadow'],
    ['ln -s ../secret l', denyPaths, false, `forbidden-path:${secret}`, work],
    ['ln -s ../../secret nested/l', denyPaths, false, `forbidden-path:${secret}`, work],
    ['cat l*/key', denyPaths, false, `forbidden-path:${secret}`, work],
    ['cat .*/secret/key', denyPaths, false, `forbidden-path:${secret}`, work],
    ['grep --file=shadow x', denyPaths, false, 'forbidden-path:/etc/shadow', '/etc'],
    // Allowlisted programs that could run code or write files (locked).
    ["GIT_PAGER='touch pwn' git log", 'locked', false, 'dangerous-assignment:GIT_PAGER'],
    ['env GIT_EXTERNAL_DIFF=/tmp/evil git diff', 'locked', false, 'dangerous-assignment:GIT_EXTERNAL_DIFF'],
    ['GIT_SSH_COMMAND=x git status', 'locked', false, 'dangerous-assignment:GIT_SSH_COMMAND'],
    ['GIT_CONFIG_COUNT=1 git status', 'locked', false, 'dangerous-assignment:GIT_CONFIG_COUNT'],
    ['export GIT_EDITOR=x', 'locked', false, 'dangerous-assignment:GIT_EDITOR'],
    ['PAGER=x; git log', 'locked', false, 'dangerous-assignment:PAGER'],
    ['GOFLAGS=-exec=/tmp/x go test ./...', 'locked', false, 'dangerous-assignment:GOFLAGS'],
    [
      'npm_config_script_shell=/tmp/x npm test',
      'locked',
      false,
      'dangerous-assignment:npm_config_script_shell',
    ],
    ['CI=1 npm test', 'locked', true, 'allowedCommands'],
    ["git -c core.pager='touch pwn' log", 'locked', false, 'allowedCommands: no match'],
    ['git --exec-path=/tmp log', 'locked', false, 'allowedCommands: no match'],
    ['git diff --output=/tmp/x', 'locked', false, 'git diff: refused'],
    ['git log --out=/tmp/x', 'locked', false, 'git log: refused'],
    ['git show --ext-diff', 'locked', false, 'git show: refused'],
    ['git branch -D main', 'locked', false, 'git branch: refused'],
    ['rg --pre ./x pat', 'locked', false, 'rg: refused'],
    ['sort --compress-program=sh x', 'locked', false, 'sort: refused'],
    ['sort -o /tmp/x y', 'locked', false, 'sort: refused'],
    ['sort -mo /tmp/x y', 'locked', false, 'sort: refused'],
    ['sort --out=/tmp/x y', 'locked', false, 'sort: refused'],
    ['uniq a b', 'locked', false, 'capability:canWriteFiles'],
    ['find . -fprint /tmp/x', 'locked', false, 'find: refused'],
    ['find . -fprintf /tmp/x %p', 'locked', false, 'find: refused'],
    ['go test -exec /tmp/evil ./...', 'locked', false, 'go test: refused'],
    ['go test -toolexec=/tmp/x ./...', 'locked', false, 'go test: refused'],
    ['go vet -vettool=/tmp/x ./...', 'locked', false, 'go vet: refused'],
    ['make test -f /tmp/evil.mk', 'locked', false, 'make test: refused'],
    ['make test SHELL=/tmp/x', 'locked', false, 'make test: refused'],
    ['node --test --import data:text/javascript,x', 'locked', false, 'node --test: refused'],
    ['node --test -r ./x.js', 'locked', false, 'node --test: refused'],
    ['npm test --script-shell=/tmp/x', 'locked', false, 'npm test: refused'],
    ['cargo test --config x', 'locked', false, 'cargo test: refused'],
    ['date -f /tmp/list', 'locked', false, 'date: refused'],
    ['wc --files0-from=list', 'locked', false, 'wc: refused'],
    ...['node -e x', 'python -c x', 'tee x', 'xargs ls', 'less x', 'man ls', 'vim x', 'make -f x test'].map(
      (c): Row => [c, 'locked', false, 'allowedCommands: no match'],
    ),
    ...[
      'git log --oneline -5',
      'git diff --stat HEAD~1',
      'git branch -a',
      'sort -u x | uniq -c',
      'go test -run TestX ./...',
      'cargo test -- --nocapture',
      'make test',
      'node --test test/',
      'rg -n TODO src',
      'find . -name "*.ts" -type f',
      'find . -name "*.ts" -exec grep -l x {} +',
    ].map((c): Row => [c, 'locked', true, 'allowedCommands']),
    // Denylists fail closed on words that could complete a denied command.
    ['rm -rf $(echo /)', 'standard', false, 'non-literal-argument: deniedCommands[0]: rm -rf /'],
    ['rm -rf "$DIR"', 'standard', false, 'non-literal-argument'],
    ['kill -9 $pid', 'standard', false, 'non-literal-argument'],
    ['$(echo rm) -rf /', 'standard', false, 'non-literal-command'],
    ['"$cmd" -rf /', 'standard', false, 'non-literal-command'],
    ['bash -c "$x"', 'standard', false, 'non-literal-command'],
    ['rm -rf {/,x}', 'standard', false, 'deniedCommands[0]: rm -rf /'],
    ['rm -rf ./build/*', 'standard', true, 'default-allow'],
    ['echo "$HOME" $(date)', 'standard', true, 'default-allow'],
  ] satisfies Row[]),
];

beforeAll(() => {
  mkdirSync(secret);
  mkdirSync(join(work, 'nested'), { recursive: true });
  writeFileSync(join(secret, 'key'), 'k');
  symlinkSync(secret, join(work, 'link'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const policies = new Map<Row[1], CommandPolicy>();
function policyFor(p: Row[1]): CommandPolicy {
  let policy = policies.get(p);
  if (!policy) {
    policy = new CommandPolicy(typeof p === 'string' ? SecurityPresets[p] : p);
    policies.set(p, policy);
  }
  return policy;
}

describe('CommandPolicy adversarial table', () => {
  it('has a broad table', () => expect(rows.length).toBeGreaterThanOrEqual(80));

  it.each(rows)('%j under %j → allowed=%s (%s)', async (command, policy, allowed, rule, cwd) => {
    const decision = await policyFor(policy).check(command, { cwd: cwd ?? root });
    expect({ allowed: decision.allowed, rule: decision.rule }).toEqual({
      allowed,
      rule: expect.stringContaining(rule),
    });
    expect(decision.reason.length).toBeGreaterThan(0);
  });
});
