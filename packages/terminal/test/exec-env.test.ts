// `ExecOptions.env`: variables for one command only (what carries a TRACEPARENT into a command's
// processes), in a persistent PTY shell of every kind and in scripted mode. The command sees them,
// compound commands and subprocesses too; the shell and the next command do not, while cwd and
// variables the command sets still persist.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Terminal } from '../src/terminal';
import { hasShell, terminalFixture } from './fixture';

const shells = ['bash', 'zsh', 'sh'].filter(hasShell);
const TP = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
// tracestate may hold characters a shell would act on: they must arrive verbatim.
const TS = "congo=t61rcWkgMzE,odd=a'b$c;d`e";

// bash gets the variables typed on the line without readline, through a file with it (as zsh,
// which keeps zle, always does).
describe.each([
  ...shells.flatMap((shell) =>
    (shell === 'bash' ? [false, true] : [false]).map((lineEditing) => ({
      shell,
      mode: 'interactive' as const,
      lineEditing,
    })),
  ),
  { shell: 'bash', mode: 'scripted' as const, lineEditing: false },
])('env for one command ($shell, $mode, line editing $lineEditing)', ({ shell, mode, lineEditing }) => {
  let t: Terminal;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orchflow-exec-env-'));
    t = await Terminal.spawn({ shell, cwd: dir, cols: 80, rows: 24, mode, lineEditing });
  });

  afterAll(async () => {
    await t?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the command and its subprocesses see the variables; the next command does not', async () => {
    const env = { TRACEPARENT: TP, TRACESTATE: TS };
    const seen = await t.execute('printenv TRACEPARENT; sh -c \'printf "%s\\n" "$TRACESTATE"\'', { env });
    expect(seen.stdout).toBe(`${TP}\n${TS}\n`);
    expect(seen.exitCode).toBe(0);
    // Viewers see the command as written, not the words or assignments that carry the variables.
    if (mode === 'interactive') expect(t.read().data).not.toContain('command eval');
    if (mode === 'interactive') expect(t.read().data).not.toMatch(/TRACEPARENT[ =]/);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    const after = await t.execute('printenv TRACEPARENT; echo "[${TRACEPARENT-unset}]"');
    expect(after.stdout).toBe('[unset]\n');
    expect(after.exitCode).toBe(0);
  });

  test('a compound command keeps its exit code, and what it changes persists', async () => {
    if (mode === 'scripted') return; // scripted commands run in a fresh shell each
    const env = { TRACEPARENT: TP };
    const r = await t.execute('mkdir -p sub && cd sub && X=kept && printenv TRACEPARENT && (exit 3)', {
      env,
    });
    expect(r.stdout).toBe(`${TP}\n`);
    expect(r.exitCode).toBe(3);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    const next = await t.execute('echo "$X $(basename "$PWD") ${TRACEPARENT-unset}"');
    expect(next.stdout).toBe('kept sub unset\n');
  });

  test('a variable the shell already exports comes back after the command', async () => {
    if (mode === 'scripted') return;
    await t.execute('export TRACEPARENT=outer');
    const inner = await t.execute('printenv TRACEPARENT', { env: { TRACEPARENT: TP } });
    expect(inner.stdout).toBe(`${TP}\n`);
    expect((await t.execute('printenv TRACEPARENT')).stdout).toBe('outer\n');
    await t.execute('unset TRACEPARENT');
  });

  test('values arrive verbatim and are never run', async () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    const env = { TRACEPARENT: TP, EVIL: '$(touch pwned) `touch pwned2` ${IFS}' };
    const r = await t.execute('printf "%s\\n" "$EVIL"', { env });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    expect(r.stdout).toBe('$(touch pwned) `touch pwned2` ${IFS}\n');
    expect(readdirSync(dir).filter((name) => name.startsWith('pwned'))).toEqual([]);
  });

  test('values too long to type on the line (bash, zsh: through the env file) arrive verbatim', async () => {
    const wide = `é${'ü'.repeat(499)}`;
    const r = await t.execute('printf "%s\\n" "$WIDE"', { env: { WIDE: wide, TRACEPARENT: TP } });
    expect(r.stdout).toBe(`${wide}\n`);
  });

  test('a long command (sent through a file) gets the variables too', async () => {
    const long = `echo ${'x'.repeat(3000)} >/dev/null; printenv TRACEPARENT`;
    const r = await t.execute(long, { env: { TRACEPARENT: TP } });
    expect(r.stdout).toBe(`${TP}\n`);
  });
});

describe('env is checked', () => {
  let t: Terminal;
  beforeAll(async () => {
    t = await Terminal.spawn({ shell: 'bash', cols: 80, rows: 24 });
  });
  afterAll(async () => {
    await t?.kill();
  });

  test.each([
    ['a name that is no shell identifier', { 'A-B': 'x' }],
    ['a name that could run code', { 'x=$(id)': 'x' }],
    ['a newline in a value', { A: 'a\nb' }],
    ['an escape character in a value', { A: '\u001b[2J' }],
    ['a value that is no string', { A: 1 as unknown as string }],
    ['too many characters', { A: 'x'.repeat(2000) }],
  ])('%s fails with InvalidParams and runs nothing', async (_what, env) => {
    const error = await t.execute('echo ran', { env }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isOrchflowError(error) && error.code).toBe(ErrorCode.InvalidParams);
    expect((await t.execute('echo ok')).stdout).toBe('ok\n');
  });
});

// The shell's own variables may be anything a command made them; the command's env never breaks
// the line it is on and puts back exactly what was there.
describe.each([
  { shell: 'bash', lineEditing: false },
  { shell: 'bash', lineEditing: true },
  ...['zsh'].filter(hasShell).map((shell) => ({ shell, lineEditing: false })),
])('env over the shell’s own variables ($shell, line editing $lineEditing)', ({ shell, lineEditing }) => {
  let t: Terminal;
  beforeAll(async () => {
    t = await Terminal.spawn({ shell, cols: 80, rows: 24, lineEditing });
  });
  afterAll(async () => {
    await t?.kill();
  });

  test('a set but unexported variable comes back unexported', async () => {
    await t.execute('TRACEPARENT=mine');
    expect((await t.execute('printenv TRACEPARENT', { env: { TRACEPARENT: TP } })).stdout).toBe(`${TP}\n`);
    const after = await t.execute('echo "$TRACEPARENT"; printenv TRACEPARENT || echo not-exported');
    expect(after.stdout).toBe('mine\nnot-exported\n');
    await t.execute('unset TRACEPARENT');
  });

  test('a readonly, integer or array variable is left alone and the command still runs', async () => {
    await t.execute('readonly RO=fixed; typeset -i NUM=7; ARR=(a b)');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    const r = await t.execute('echo "ran $RO $NUM ${ARR[*]}"', { env: { RO: 'x', NUM: '1+1', ARR: 'y' } });
    expect(r.stdout).toBe('ran fixed 7 a b\n');
    expect(r.exitCode).toBe(0);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    expect((await t.execute('echo "$RO $NUM ${ARR[*]}"')).stdout).toBe('fixed 7 a b\n');
  });

  test('zsh or bash options set by earlier commands change nothing', async () => {
    if (shell === 'zsh') await t.execute('setopt ksharrays shwordsplit nounset');
    else await t.execute('set -u');
    expect((await t.execute('printenv TRACEPARENT', { env: { TRACEPARENT: TP } })).stdout).toBe(`${TP}\n`);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    expect((await t.execute('echo "${TRACEPARENT-unset}"')).stdout).toBe('unset\n');
  });
});

// Earlier commands in the same shell can change what the hooks run on: builtins disabled or
// shadowed, shell options, attributes of orchflow's own variables. None of it may run code the
// command did not hold, hand a command another command's variables, or leave them behind.
describe.each([false, true])('bash env hooks against a prepared shell (line editing %s)', (lineEditing) => {
  const fixture = terminalFixture('exec-env-hooks');
  const spawn = () => fixture.spawnWith({ shell: 'bash', lineEditing });
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell expansions, not a template.
  const show = 'printenv TRACEPARENT OLD; echo "[${TRACEPARENT-unset} ${OLD-unset}]"';

  test('with `return` disabled, a command gets only its own variables (not an older env file’s lines)', async () => {
    const t = await spawn();
    // Both go through the env file (too long to type quoted: 8 characters per `é`). The file is
    // rewritten in place, and the second is shorter: the first's last lines stay past its `.` line.
    await t.execute('true', { env: { A: 'é'.repeat(500), OLD: 'stale', TRACEPARENT: 'stale' } });
    await t.execute('enable -n return');
    const r = await t.execute(show, { env: { B: 'é'.repeat(400), TRACEPARENT: 'fresh' } });
    expect(r.stdout).toBe('fresh\n[fresh unset]\n');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    expect((await t.execute('echo "${TRACEPARENT-unset}"')).stdout).toBe('unset\n');
  });

  test('a skipped variable leaves no failed status behind for an ERR trap', async () => {
    const t = await spawn();
    const dir = fixture.dir();
    const log = join(dir, 'err-trap');
    await t.execute(`set -E; trap 'echo fired >> ${log}' ERR; declare -n TRACESTATE=elsewhere`);
    // The nameref is left alone: the variable it names is not written, not even for the command.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    const r = await t.execute('echo "ran ${elsewhere-unset}"', { env: { TRACESTATE: TS } });
    expect(r.stdout).toBe('ran unset\n');
    expect(readdirSync(dir)).not.toContain('err-trap');
  });

  test('localvar_inherit and attributes on the hooks’ own variables run nothing and lose nothing', async () => {
    const t = await spawn();
    const dir = fixture.dir();
    const pwned = join(dir, 'pwned');
    const value = `a[$(touch ${pwned})]`;
    await t.execute(
      'shopt -s localvar_inherit; declare -gi __orchflow_n __orchflow_l __orchflow_p __orchflow_f __orchflow_a',
    );
    await t.execute(
      'declare -gl __orchflow_i; declare -gai __orchflow_saved __orchflow_w __orchflow_ls; declare -gi s c i',
    );
    const r = await t.execute('printenv TRACEPARENT', { env: { TRACEPARENT: value } });
    expect(r.stdout).toBe(`${value}\n`);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    expect((await t.execute('echo "${TRACEPARENT-unset}"')).stdout).toBe('unset\n');
    await t.execute(`mkdir -p '${dir}/a b' && cd '${dir}/a b' && cd ..`);
    expect(readdirSync(dir)).not.toContain('pwned');
  });
});

// An earlier command may disable or shadow what the hooks use, or prepare the variables they touch.
// Whatever it did, a command's variables never outlive it (another principal's next command on the
// same terminal must not see them), nothing in a value runs, and the hooks never hang. (Found by
// an attacker's review: with `shift` disabled a loop over the words never ended, with `set`
// disabled the restore read nothing.)
describe('bash and zsh env hooks against disabled builtins and prepared variables', () => {
  const fixture = terminalFixture('exec-env-sabotage');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell expansions, not a template.
  const after = 'echo "[${TRACEPARENT-unset} ${TRACESTATE-unset}]"; printenv TRACEPARENT TRACESTATE';
  const cases = [
    ...[false, true].flatMap((lineEditing) =>
      ['enable -n set', 'enable -n shift', 'enable -n unset', 'enable -n local', 'enable -n declare'].map(
        (prepare) => ({ shell: 'bash', lineEditing, prepare }),
      ),
    ),
    ...['disable shift', 'unset() { :; }', 'typeset -gA __orchflow_saved=(TRACEPARENT x)']
      .filter(() => hasShell('zsh'))
      .map((prepare) => ({ shell: 'zsh', lineEditing: false, prepare })),
  ];
  test.each(cases)(
    '$shell (line editing $lineEditing) after `$prepare`',
    async ({ shell, lineEditing, prepare }) => {
      const t = await fixture.spawnWith({ shell, lineEditing });
      await t.execute(prepare);
      const r = await t.execute('echo ran', {
        env: { TRACEPARENT: 'secret-tp', TRACESTATE: 'k=v' },
        timeoutMs: 5000,
      });
      expect(r).toMatchObject({ stdout: 'ran\n', exitCode: 0, timedOut: false });
      const next = await t.execute(after, { timeoutMs: 5000 });
      expect(next.stdout).toBe('[unset unset]\n');
      // Nor in a variable of the hooks' own.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
      expect((await t.execute('echo "${__orchflow_w[*]}${__orchflow_ls[*]}${__orchflow_l-}"')).stdout).toBe(
        '\n',
      );
    },
  );

  test.each(['bash', ...['zsh'].filter(hasShell)])(
    '%s: a variable named like a hook’s own (s) keeps the exit code and goes',
    async (shell) => {
      const t = await fixture.spawnWith({ shell });
      expect((await t.execute('false', { env: { s: '0' } })).exitCode).toBe(1);
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
      expect((await t.execute('echo "[${s-unset}]"')).stdout).toBe('[unset]\n');
    },
  );

  test('bash: a nameref declared without a target is not written through, and nothing in the value runs', async () => {
    const t = await fixture.spawnWith({ shell: 'bash' });
    const pwned = join(fixture.dir(), 'pwned');
    const value = `a[$(touch ${pwned})]`;
    await t.execute('declare -n TRACESTATE');
    const r = await t.execute('printf "%s\\n" "$TRACESTATE"', { env: { TRACESTATE: value } });
    expect(r.stdout).toBe(`${value}\n`);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    expect((await t.execute('echo "[${TRACESTATE-unset}]"')).stdout).toBe('[unset]\n');
    expect(readdirSync(fixture.dir())).not.toContain('pwned');
  });

  test('bash: a saved-state array made a nameref to PATH leaves PATH alone', async () => {
    const t = await fixture.spawnWith({ shell: 'bash' });
    const path = (await t.execute('printf "%s" "$PATH"')).stdout;
    await t.execute('unset __orchflow_saved; declare -n __orchflow_saved=PATH');
    expect((await t.execute('echo ran', { env: { TRACEPARENT: TP } })).stdout).toBe('ran\n');
    expect((await t.execute('printf "%s" "$PATH"')).stdout).toBe(path);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    expect((await t.execute('echo "[${TRACEPARENT-unset}]"')).stdout).toBe('[unset]\n');
  });
});

// A second attacker's review, of the hooks above.
describe('env hooks: ERR traps, FUNCNEST, IFS, namerefs on their own state, the env file', () => {
  const fixture = terminalFixture('exec-env-sabotage-2');

  test.each([false, true])(
    'bash (line editing %s): an ERR trap never fires inside the hooks',
    async (lineEditing) => {
      const t = await fixture.spawnWith({ shell: 'bash', lineEditing });
      const log = join(fixture.dir(), `err-${lineEditing}`);
      await t.execute(`set -E; trap 'echo "$FUNCNAME" >> ${log}' ERR`);
      const r = await t.execute('echo ran', { env: { TRACEPARENT: TP, TRACESTATE: TS } });
      expect(r).toMatchObject({ stdout: 'ran\n', exitCode: 0 });
      expect(readdirSync(fixture.dir())).not.toContain(`err-${lineEditing}`);
    },
  );

  test.each([
    { shell: 'bash', lineEditing: false },
    { shell: 'bash', lineEditing: true },
    ...['zsh'].filter(hasShell).map((shell) => ({ shell, lineEditing: false })),
  ])(
    '$shell (line editing $lineEditing): all sixteen variables arrive, and all go',
    async ({ shell, lineEditing }) => {
      const t = await fixture.spawnWith({ shell, lineEditing });
      const names = Array.from({ length: 16 }, (_, i) => `V${i}`);
      const env = Object.fromEntries(names.map((name, i) => [name, `value ${i}`]));
      const r = await t.execute(`printenv ${names.join(' ')}`, { env });
      expect(r.stdout).toBe(names.map((_, i) => `value ${i}\n`).join(''));
      expect((await t.execute(`printenv ${names.join(' ')} || echo gone`)).stdout).toBe('gone\n');
    },
  );

  test('bash: with FUNCNEST=3 a command with several variables still runs, and they go', async () => {
    const t = await fixture.spawnWith({ shell: 'bash' });
    await t.execute('FUNCNEST=3');
    const r = await t.execute('printenv A B C D', { env: { A: 'a', B: 'b', C: 'c', D: 'd' } });
    expect(r).toMatchObject({ stdout: 'a\nb\nc\nd\n', exitCode: 0 });
    expect((await t.execute('printenv A B C D || echo gone')).stdout).toBe('gone\n');
  });

  test('bash: digits in IFS do not change the exit status the prompt reports', async () => {
    const t = await fixture.spawnWith({ shell: 'bash' });
    await t.execute('IFS=0');
    expect((await t.execute('(exit 10)')).exitCode).toBe(10);
    expect((await t.execute('(exit 103)', { env: { TRACEPARENT: TP } })).exitCode).toBe(103);
    expect((await t.execute('true')).exitCode).toBe(0);
  });

  test('bash: a readonly nameref as the hooks’ saved state runs nothing, and the command runs', async () => {
    const t = await fixture.spawnWith({ shell: 'bash' });
    const pwned = join(fixture.dir(), 'pwned-ro');
    await t.execute(`x=(a b c); unset __orchflow_saved; declare -rn __orchflow_saved='x[$(touch ${pwned})]'`);
    const r = await t.execute('echo ran', { env: { TRACEPARENT: TP } });
    expect(r).toMatchObject({ stdout: 'ran\n', exitCode: 0 });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    expect((await t.execute('echo "${x[*]}"')).stdout).toBe('a b c\n');
    expect(readdirSync(fixture.dir())).not.toContain('pwned-ro');
  });

  test.skipIf(!hasShell('zsh'))(
    'zsh: KSH_ARRAYS and an empty first element do not skip the restore',
    async () => {
      const t = await fixture.spawnWith({ shell: 'zsh' });
      await t.execute("setopt KSH_ARRAYS; __orchflow_saved=('')");
      expect((await t.execute('printenv TRACESTATE', { env: { TRACESTATE: 'k=v' } })).stdout).toBe('k=v\n');
      expect((await t.execute('printenv TRACESTATE || echo gone')).stdout).toBe('gone\n');
    },
  );

  test('bash with a line editor: the env file is empty once its command started', async () => {
    const t = await fixture.spawnWith({ shell: 'bash', lineEditing: true });
    // What a later command can do: find the file from the hook's text, and read it.
    const envFile = `"$(declare -f __orchflow_env_in | sed -n "s/.*-f '\\([^']*\\)'.*/\\1/p")/env-1"`;
    const r = await t.execute(`cat ${envFile}; echo "[$TRACESTATE]"`, { env: { TRACESTATE: 'secret' } });
    expect(r.stdout).toBe('[secret]\n');
    expect((await t.execute(`wc -c < ${envFile}`)).stdout.trim()).toBe('0');
  });
});
