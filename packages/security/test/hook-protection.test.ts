// protectShellIntegration: commands that call, read or redefine orchflow's shell-integration hooks
// are denied under every preset but `trusted`, everyday shell work stays allowed. `hooksOnly` has no
// other rule (no denylist, no paths, no assignment checks), so each denial there is this rule's.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the table is shell text, not templates.
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import { CommandPolicy } from '../src/command/command-policy';
import { SecurityPresets } from '../src/policy/presets';
import { parseSecurityPolicy } from '../src/policy/schema';

const hooksOnly = new CommandPolicy({ dangerousVariables: [] });
const presets = {
  standard: new CommandPolicy(SecurityPresets.standard),
  locked: new CommandPolicy(SecurityPresets.locked),
  trusted: new CommandPolicy(SecurityPresets.trusted),
};
const check = (policy: CommandPolicy, command: string) =>
  policy.check(command, { cwd: '/tmp', home: '/root' });

// The text names the hooks: denied as soon as it is read, whatever else the policy says.
const names = [
  '__orchflow_prompt',
  'true; { __orchflow_prompt; } 2>/dev/null; sleep 3; echo late > f',
  'echo $__orchflow_k',
  'printf %s "${__orchflow_k}" "${#__orchflow_t}"',
  'x=$__orchflow_k; echo $x',
  '__orchflow_k=1',
  '__orchflow_arm() { :; }',
  'function __orchflow_rearm { :; }',
  'declare -f __orchflow_prompt',
  'type __orchflow_prompt',
  'command -V __orchflow_encode_cwd',
  'unset __orchflow_k',
  'export __orchflow_k',
  'alias __orchflow_arm=true',
  'cat <<EOF\n$__orchflow_k\nEOF',
  'echo ${!__orchflow*}',
  'echo "${!__o@}"',
  'echo ${!_*}',
  "bash -c '__orchflow_prompt'",
  'eval __orchflow_prompt',
  "trap '__orchflow_prompt' EXIT",
  // Quoting and escaping that the shell removes before it looks the name up.
  "__orch''flow_prompt",
  '__orch\\flow_prompt',
  "$'\\x5f_orchflow_prompt'",
  "$'\\137\\137orchflow_prompt'",
  '"__orch"flow_prompt',
  'echo "$__orch"\'flow_k\'',
  '__orch\\\nflow_prompt',
  '{__orch,}flow_prompt',
  'declare -f "__orch"\'flow_prompt\'',
];

// Prompt and hook variables, read or changed in every way the shell offers.
const variables = [
  'unset PROMPT_COMMAND',
  'unset PROMPT_COMMAND; printf \'\\033]633;D;%s;0;/usr\\007\' "${PS0:8:32}"',
  'unset -v PS0',
  "unset 'PS1'",
  'PROMPT_COMMAND=',
  'PROMPT_COMMAND[0]=x',
  "PROMPT_COMMAND+='; x'",
  "PS1='$ '",
  'PS0=',
  'PS2=x; PS4=y',
  "PS3='$(declare -p)'; select x in a; do break; done <<< 1",
  'echo "$PS3"',
  'echo $PS1',
  'echo "${PS1@P}"',
  'echo "${PS0@Q}" ${#PS1}',
  'echo ${PROMPT_COMMAND[0]}',
  'echo $(( PS1 + 1 ))',
  'echo ${a[PS1]}',
  '[[ PS1 -eq 1 ]]',
  'let x=PS1+1',
  'declare PS1=x',
  'typeset -p PS1',
  "declare -p 'PROMPT_COMMAND'",
  'local PS1',
  'export PROMPT_COMMAND',
  'readonly PS1',
  'read PS1 <<< x',
  'printf -v PS1 x',
  'mapfile -t PROMPT_COMMAND < /tmp/f',
  'for PS1 in a; do :; done',
  'declare -n r=PROMPT_COMMAND',
  'readonly TRACEPARENT',
  'declare -r TRACEPARENT=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  'typeset -gr TRACEPARENT',
  'export TRACEPARENT; readonly -a TRACEPARENT',
  'declare -r "TRACEPARENT[0]"',
  'declare -r TRACEPARENT[0]=1',
  'declare -rA TRACEPARENT[k]=v',
  'f() { declare -gr TRACEPARENT[0]=1; }; f',
  'echo ${!PS*}',
  'echo ${!PROMPT@}',
  'precmd_functions=()',
  'preexec_functions+=(f)',
  'echo $precmd_functions $chpwd_functions',
  'echo ${functions[f]}',
  'echo $BASH_ENV',
  'ENV=/tmp/x sh',
  'FUNCNEST=1',
  'declare -i FUNCNEST=2',
];

// Builtins that dump, remove, trace or hijack what the hooks run.
const builtins = [
  'declare -f',
  'declare -F',
  'declare -p',
  'declare',
  'typeset -f',
  'typeset -p',
  'typeset',
  "typeset -m '*'",
  'functions',
  'set',
  'readonly',
  'readonly -p',
  'readonly -f',
  'declare +x',
  'builtin declare -p',
  'command typeset -f',
  'compgen -A function',
  'compgen -v',
  'compgen -A variable _',
  'unset -f f',
  'unset -fv x',
  'unfunction f',
  'add-zsh-hook -d precmd f',
  'trap \'echo "$BASH_COMMAND" >> /tmp/log\' DEBUG',
  "trap 'x' RETURN",
  "trap -- 'x' debug",
  "trap 'x' ERR",
  'enable -n printf',
  'builtin() { :; }',
  'command() { :; }',
  'printf() { :; }',
  'function local { :; }',
  'TRAPDEBUG() { :; }',
  'alias builtin=echo',
  "alias '{=echo'",
  'exec >/tmp/log',
  'exec 2>&1',
  'exec > >(tee /tmp/x)',
  'exec </tmp/cmds',
  'exec 0</tmp/cmds',
  'exec 1>&-',
  'bind -x \'"\\C-m": f\'',
  'zle -N accept-line f',
  "bindkey -s '^M' x",
  'fc -ln -1',
  'history',
  'source /dev/stdin <<< x',
  '. /dev/fd/0',
  "mapfile -C 'declare -p' -c 1 <<< x",
];

// Names only known at run time, where a name decides what is called, read or assigned.
const runTime = [
  '$cmd',
  '"${a}b" x',
  '$(echo __orch)flow_prompt',
  'declare -f "$x"',
  'type $x',
  'unset "$x"',
  'printf -v "$x" y',
  'read "$v" <<< x',
  'eval "$x"',
  'echo ${!x}',
  'echo ${!#}',
  'echo ${x@P}',
  'declare -n r=x',
  'local -n r',
  'source "$f"',
  'source <(printf x)',
  'alias "$a=x"',
  'trap x "$sig"',
  'export "$n=1"',
  'echo ${(P)x}',
  'command -V "$x"',
];

// Everyday work: must stay allowed wherever this rule applies.
const everyday = [
  'declare -a arr',
  'declare x=1',
  'declare -a arr=(1 2)',
  'declare -A map; map[k]=v',
  'set -e',
  'set -euo pipefail',
  'set -- a b',
  'set -o',
  'typeset -i n',
  'unset VAR',
  'unset -v VAR other',
  'local x=1',
  'export FOO=1',
  'export TRACEPARENT=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  'TRACEPARENT=x pytest',
  'readonly RELEASE=1',
  'declare -r -- LIMIT=3',
  'export -p',
  'declare -p FOO',
  'declare -f myfunc',
  'f() { echo hi; }; f',
  "alias ll='ls -la'",
  "trap 'rm -f /tmp/x' EXIT",
  'trap - DEBUG',
  'trap -p',
  'echo $HOME "$PWD"',
  'for i in 1 2 3; do echo $i; done',
  'n=3; echo $((n * 2))',
  'grep PROMPT_COMMAND /tmp/bashrc',
  'echo PS1 __orchestra',
  'echo ${arr[@]} ${!arr[@]} ${#arr[@]} ${x:-default} ${!a*}',
  'source venv/bin/activate',
  '. ./env.sh',
  'type ls',
  'command -v node',
  'which git',
  'compgen -c',
  'read -r line < /tmp/f',
  "printf -v out '%s' x",
  'mapfile -t lines < /tmp/f',
  'exec 3>/tmp/fd3',
  "bash -c 'set -x; echo hi'",
  'enable',
  'git log --oneline -n 3',
];

const denied = [...names, ...variables, ...builtins, ...runTime];

describe('protectShellIntegration', () => {
  it.each(denied)('denies %j as shell-integration where no other rule applies', async (command) => {
    const decision = await check(hooksOnly, command);
    expect({ allowed: decision.allowed, rule: decision.rule }).toEqual({
      allowed: false,
      rule: 'shell-integration',
    });
    expect(decision.reason).toContain('protectShellIntegration');
  });

  it.each(denied)('denies %j under standard', async (command) => {
    expect((await check(presets.standard, command)).allowed).toBe(false);
  });

  it.each([...names, ...variables, ...builtins])('never uses the rule under trusted: %j', async (command) => {
    const decision = await check(presets.trusted, command);
    expect(decision.rule).not.toBe('shell-integration');
    // Only a command name that is not a literal is refused there, by the catastrophic denylist,
    // and a POSIX sh left reading the terminal's later lines (`ENV=/tmp/x sh`), as `bash --posix` is.
    if (decision.allowed === false)
      expect(['non-literal-command', 'shell-option:posix']).toContain(decision.rule);
  });

  it.each(everyday)('allows %j', async (command) => {
    for (const policy of [hooksOnly, presets.standard]) {
      const decision = await check(policy, command);
      expect({ command, allowed: decision.allowed, reason: decision.reason }).toMatchObject({
        allowed: true,
      });
    }
  });

  it.each([
    'echo $PS1',
    'printf \'%s\' "${PS0:8:32}"',
    'echo "$__orch""flow_k"',
    'declare -p',
    'set',
    'unset PROMPT_COMMAND',
    'cat <<EOF\n$__orchflow_k\nEOF',
  ])('denies %j under locked by this rule', async (command) => {
    expect((await check(presets.locked, command)).rule).toBe('shell-integration');
  });

  it('names the rule, the hook and the option in the PolicyDenied error', async () => {
    const error = await presets.standard
      .enforce('{ __orchflow_prompt; } 2>/dev/null')
      .catch((e: unknown) => e);
    expect(isOrchflowError(error) && error.code).toBe(ErrorCode.PolicyDenied);
    expect(String((error as Error).message)).toMatch(
      /\(shell-integration\).*__orchflow_prompt.*may not call, read or redefine.*protectShellIntegration/,
    );
  });

  it('keeps earlier rules and their reasons first', async () => {
    expect((await check(presets.standard, 'PS1=x')).rule).toBe('dangerous-assignment:PS1');
    expect((await check(presets.standard, '$cmd')).rule).toBe('non-literal-command');
    expect((await check(presets.locked, 'echo ${!x}')).rule).toBe('evaluated-string');
  });

  it('is on by default, off in trusted, and can be turned off', async () => {
    expect(parseSecurityPolicy({}).protectShellIntegration).toBe(true);
    expect(SecurityPresets.standard.protectShellIntegration).toBe(true);
    expect(SecurityPresets.locked.protectShellIntegration).toBe(true);
    expect(SecurityPresets.trusted.protectShellIntegration).toBe(false);
    const off = new CommandPolicy({ dangerousVariables: [], protectShellIntegration: false });
    for (const command of denied) expect((await check(off, command)).allowed).toBe(true);
  });

  it('rejects a protectShellIntegration that is not a boolean, naming the field', () => {
    expect(() => parseSecurityPolicy({ protectShellIntegration: 'yes' })).toThrow(/protectShellIntegration/);
  });
});
