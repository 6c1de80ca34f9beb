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
  ['f() { ls; }; f', allowList, true, 'allowedCommands'],
  ['timeout 5 ls', allowList, true, 'allowedCommands'],
  ['env FOO=1 ls', allowList, true, 'allowedCommands'],
  ["bash -c 'ls | grep x'", allowList, true, 'allowedCommands'],
  ['find . -name "*.ts" -exec grep -l x {} +', allowList, true, 'allowedCommands'],
  // Dangerous assignments.
  ['LD_PRELOAD=/tmp/x.so ls', allowList, false, 'dangerous-assignment:LD_PRELOAD'],
  ['BASH_ENV=/tmp/x ls', 'standard', false, 'dangerous-assignment:BASH_ENV'],
  ['PATH=/tmp:$PATH ls', 'locked', false, 'dangerous-assignment:PATH'],
  ['export LD_LIBRARY_PATH=/tmp', 'standard', false, 'dangerous-assignment:LD_LIBRARY_PATH'],
  ['env LD_PRELOAD=x ls', 'standard', false, 'dangerous-assignment:LD_PRELOAD'],
  ['sudo PATH=/tmp ls', denyRm, false, 'dangerous-assignment:PATH'],
  ['LD_PRELOAD=x ls', 'trusted', true, 'default-allow'],
  ['FOO=1 ls', allowList, true, 'allowedCommands'],
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
  ['find . -delete', 'locked', false, 'find -delete'],
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
