// State the terminal's persistent shell keeps from one line to the next. TMOUT makes an
// interactive bash exit once it has waited that many seconds for a line: one assignment ends the
// agent's session later, while it is idle, so it is protected like the other variables that steer
// the shell. Arithmetic evaluates a variable's value as an expression, so a value an earlier line
// stored (`x='PATH=1'`) assigns when a later line computes with it (`$((x))`): allowlists refuse
// arithmetic on values the line did not set; `standard` allows it (a documented limit), since
// refusing it would refuse everyday arithmetic. `set -o emacs`/`-o vi` turn bash's line editor on,
// which rewrites nothing that orchflow types or admits.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the tables are shell text, not templates.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CommandPolicy } from '../src/command/command-policy';
import { SecurityPresets } from '../src/policy/presets';
import { expectAllowed, expectRefused } from './policy-expect';

const standard = new CommandPolicy(SecurityPresets.standard);
const locked = new CommandPolicy(SecurityPresets.locked);
const trusted = new CommandPolicy(SecurityPresets.trusted);
// Only orchflow's shell integration is protected (dangerousVariables keeps its default).
const hooksOnly = new CommandPolicy({});

// Resolves with how long an interactive bash that reads `line` and then waits took to exit, or
// `undefined` when it was still running after `ms`.
function exitsAfter(line: string, ms: number): Promise<number | undefined> {
  const child = spawn('bash', ['--norc', '--noprofile', '-i'], { stdio: ['pipe', 'ignore', 'ignore'] });
  const started = Date.now();
  child.stdin.write(`${line}\n`);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(undefined);
    }, ms);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
}

describe('TMOUT', () => {
  it('ends an interactive bash that waits for its next line', async () => {
    expect(await exitsAfter('TMOUT=1', 5000)).toBeDefined();
    expect(await exitsAfter('X=1', 2500)).toBeUndefined();
  });

  it.each([
    'TMOUT=1',
    'export TMOUT=5',
    'declare -x TMOUT=5',
    'readonly TMOUT=600',
    'typeset -i TMOUT=1',
    ': ${TMOUT:=1}',
    '(( TMOUT = 1 ))',
    'let TMOUT=1',
    'read -r TMOUT',
    'printf -v TMOUT 1',
    "TMOUT=1 bash -c 'echo hi'",
  ])('%s is refused', async (line) => {
    for (const policy of [standard, locked, hooksOnly])
      await expectRefused(policy, line, 'dangerous-assignment:TMOUT');
    // An empty dangerousVariables is the opt-out from assignment checks.
    await expectAllowed(trusted, line);
  });

  it('reading it stays allowed', async () => {
    for (const line of ['echo "$TMOUT"', 'read -t 5 -r answer']) await expectAllowed(standard, line);
  });
});

describe('arithmetic on a value the line did not set', () => {
  // Everyday arithmetic reads variables earlier lines set (counts, sizes, times); it stays allowed.
  it.each([
    'echo $((i + 1))',
    'echo $(( $n * 2 ))',
    'n=$(wc -l < README.md); echo $((n + 1))',
    'start=$(date +%s); sleep 1; echo $(( $(date +%s) - start ))',
    '(( count++ ))',
    'if [[ $n -gt 3 ]]; then echo many; fi',
    'for ((i = 0; i < n; i++)); do echo $i; done',
    'echo ${items[i]}',
  ])('%s stays allowed under standard', async (line) => {
    await expectAllowed(standard, line);
  });

  // A known limit (docs/security.md, "Known limits"): under a denylist the value is not seen.
  it('a value that assigns is not seen under standard, and refused under an allowlist', async () => {
    for (const line of ["x='PATH=1'; echo $((x))", 'echo $((x))', '((x))', 'let x', '[[ x -eq 1 ]]']) {
      await expectAllowed(standard, line);
      await expectRefused(locked, line, 'evaluated-string');
    }
  });
});

describe('the line editor', () => {
  // orchflow types every command as printable text (`eval $'…'`) and admits only printable raw
  // input at the prompt; what could make readline rewrite such a line stays refused.
  it.each(['set -o emacs', 'set -o vi', 'set +o emacs', 'set +o vi', 'set -o vi -o pipefail'])(
    '%s stays allowed',
    async (line) => {
      await expectAllowed(standard, line);
      await expectAllowed(locked, line);
    },
  );

  it('key bindings and readline init files stay refused', async () => {
    await expectRefused(standard, `bind '"a": "sudo id"'`, 'shell-integration');
    await expectRefused(standard, 'bind -f /tmp/inputrc', 'shell-integration');
    await expectRefused(standard, 'INPUTRC=/tmp/inputrc', 'dangerous-assignment:INPUTRC');
    await expectRefused(standard, 'export INPUTRC=/tmp/inputrc', 'dangerous-assignment:INPUTRC');
  });
});
