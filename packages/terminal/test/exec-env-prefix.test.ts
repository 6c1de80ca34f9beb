// bash without a line editor gets a traced command's W3C TRACEPARENT as a prefix assignment of
// the command's `command eval` (encode.ts), not through the env hooks that exec-env.test.ts
// covers: what bash keeps, what the prompt hook removes, and what the shell's state cannot make
// the assignment do.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { terminalFixture } from './fixture';

const TP = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
// tracestate may hold characters a shell would act on: it still goes through the hooks.
const TS = "congo=t61rcWkgMzE,odd=a'b$c;d`e";

describe('bash: a traceparent as a prefix assignment', () => {
  const fixture = terminalFixture('exec-env-prefix');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell expansions, not a template.
  const show = 'printenv TRACEPARENT; echo "[${TRACEPARENT-unset}]"';

  test('it is typed on the line, not handed to the arm; other variables still are', async () => {
    const t = await fixture.spawnWith({ shell: 'bash' });
    const r = await t.execute(show, { env: { TRACEPARENT: TP, TRACESTATE: TS } });
    expect(r.stdout).toBe(`${TP}\n[${TP}]\n`);
    // The arm saved nothing for TRACEPARENT (the saved state names only TRACESTATE).
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    const saved = await t.execute('printf "%s\\n" "${__orchflow_saved[@]}"', { env: { TRACEPARENT: TP } });
    expect(saved.stdout).toBe('\n');
    expect((await t.execute(show)).stdout).toBe('[unset]\n');
    // The prefix expands what the arm noted: each command gets its own value, never the last one's.
    const next = TP.replace('b7ad6b7169203331', '00f067aa0ba902b7');
    expect((await t.execute(show, { env: { TRACEPARENT: next } })).stdout).toBe(`${next}\n[${next}]\n`);
    expect((await t.execute(show, { env: { TRACEPARENT: TP } })).stdout).toBe(`${TP}\n[${TP}]\n`);
  });

  test('in posix mode, under set -u, and over an integer or array variable it holds for the command only', async () => {
    const t = await fixture.spawnWith({ shell: 'bash' });
    await t.execute('set -o posix; set -u');
    expect((await t.execute(show, { env: { TRACEPARENT: TP } })).stdout).toBe(`${TP}\n[${TP}]\n`);
    expect((await t.execute(show)).stdout).toBe('[unset]\n');
    await t.execute('set +o posix; declare -i TRACEPARENT=7');
    expect((await t.execute(show, { env: { TRACEPARENT: TP } })).stdout).toBe(`${TP}\n[${TP}]\n`);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    expect((await t.execute('echo "${TRACEPARENT@a} $TRACEPARENT"')).stdout).toBe('i 7\n');
    await t.execute('unset TRACEPARENT; TRACEPARENT=(a b)');
    expect((await t.execute('printenv TRACEPARENT', { env: { TRACEPARENT: TP } })).stdout).toBe(`${TP}\n`);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    expect((await t.execute('echo "${TRACEPARENT[*]}"')).stdout).toBe('a b\n');
  });

  test('through a nameref it gives the named variable the traceparent for the command only, and runs nothing', async () => {
    // What the policy refuses under protectShellIntegration (`declare -n`), done here without one.
    const t = await fixture.spawnWith({ shell: 'bash' });
    const pwned = join(fixture.dir(), 'pwned-prefix');
    await t.execute(`x=(a b); declare -n TRACEPARENT='x[$(touch ${pwned})]'`);
    expect((await t.execute('echo ran', { env: { TRACEPARENT: TP } })).stdout).toBe('ran\n');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    expect((await t.execute('echo "${x[*]}"')).stdout).toBe('a b\n');
    expect(readdirSync(fixture.dir())).not.toContain('pwned-prefix');
    await t.execute('unset -n TRACEPARENT; declare -n TRACEPARENT=elsewhere');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    const through = await t.execute('echo "[${elsewhere-unset}]"', { env: { TRACEPARENT: TP } });
    expect(through.stdout).toBe(`[${TP}]\n`);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    expect((await t.execute('echo "[${elsewhere-unset}]"')).stdout).toBe('[unset]\n');
  });

  test('a readonly TRACEPARENT (refused by the policy under protectShellIntegration): bash says so and runs the command', async () => {
    const t = await fixture.spawnWith({ shell: 'bash' });
    await t.execute('readonly TRACEPARENT=fixed');
    const r = await t.execute('echo "ran $TRACEPARENT"', { env: { TRACEPARENT: TP } });
    expect(r.stdout).toMatch(/TRACEPARENT: readonly variable\r?\nran fixed\n$/);
  });

  test.each([
    'declare -x TRACEPARENT',
    'typeset -x TRACEPARENT',
    'declare -u TRACEPARENT; declare -x TRACEPARENT',
    'f() { :; }; builtin declare -x TRACEPARENT',
  ])('`%s` in the command (bash copies the value into a global) leaves nothing behind', async (command) => {
    const t = await fixture.spawnWith({ shell: 'bash' });
    const r = await t.execute(`${command}; printenv TRACEPARENT`, { env: { TRACEPARENT: TP } });
    expect(r.stdout.toLowerCase()).toBe(`${TP}\n`);
    expect((await t.execute(show)).stdout).toBe('[unset]\n');
    // A value the command gave it itself stays, as it would for an untraced command.
    await t.execute('declare -x TRACEPARENT=mine', { env: { TRACEPARENT: TP } });
    expect((await t.execute(show)).stdout.toLowerCase()).toBe('mine\n[mine]\n');
  });

  test('a value that is not a traceparent goes through the arm', async () => {
    const t = await fixture.spawnWith({ shell: 'bash' });
    await t.execute('declare -n TRACEPARENT=elsewhere');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    const r = await t.execute('echo "[${elsewhere-unset}]"', { env: { TRACEPARENT: `${TP}-extra` } });
    expect(r.stdout).toBe('[unset]\n');
  });
});
