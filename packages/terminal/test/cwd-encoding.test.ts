// The rc function that puts the cwd into the "done" marker, run in the real shells: a plain path
// is taken as it is, any other has each byte outside the safe set percent-encoded, and both
// decode back to the path (in a UTF-8 locale, where bracket ranges may collate beyond ASCII).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { decodeCwdField } from '../src/shell-integration/marker-format';
import { encodeCwdFunction } from '../src/shell-integration/rc-snippets';
import { hasShell } from './fixture';

const root = mkdtempSync(join(tmpdir(), 'orchflow-cwd-'));
// rm, not rmSync: the tree goes deeper than PATH_MAX.
afterAll(() => execFileSync('rm', ['-rf', root]));

// The Kelvin sign and dotted capital I fold to ASCII letters under bash's nocasematch.
const names = [
  'plain',
  'a b',
  'é',
  'x~y-z_1.2',
  'a]b',
  'a^b',
  'a*b',
  'a\\b',
  "it's",
  'Ω-日本',
  '\u212A',
  'İx',
];

type Shell = 'bash' | 'zsh' | 'sh';
const shells = (['bash', 'zsh', 'sh'] as const).filter(hasShell);

/** `$__orchflow_cwd` after `shell` ran `enter` (given `dir` as $1) and the rc function. */
function encodedIn(shell: Shell, dir: string, enter = 'cd "$1"', options = ''): string {
  const script = `${encodeCwdFunction(shell)}\n${options}\n${enter} && __orchflow_encode_cwd && printf '%s' "$__orchflow_cwd"`;
  return execFileSync(shell, ['-c', script, shell, dir], {
    encoding: 'utf8',
    env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' },
  });
}

/** The shell's trace (`set -x`) of one call of the rc function in `dir`. */
function traceIn(shell: 'bash' | 'zsh', dir: string): string {
  const script = `${encodeCwdFunction(shell)}\ncd "$1" || exit 1\nset -x\n__orchflow_encode_cwd`;
  const run = spawnSync(shell, ['-c', script, shell, dir], { encoding: 'utf8' });
  return run.stderr;
}

describe.each(shells)('%s encodes the cwd of its marker', (shell) => {
  test.each(names)('%s', (name) => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    // bash folds case in patterns under nocasematch (set by a command); the result must not change.
    const options = shell === 'bash' ? 'shopt -s nocasematch' : '';
    for (const field of [encodedIn(shell, dir), encodedIn(shell, dir, 'cd "$1"', options)]) {
      expect(decodeCwdField(field)).toBe(dir);
      // Nothing outside the safe set is ever written as it is.
      expect(field).toMatch(/^[A-Za-z0-9/._~%-]*$/);
      if (/^[A-Za-z0-9/._~-]*$/.test(dir)) expect(field).toBe(dir);
    }
  });
});

// bash and zsh only: sh (dash) has no per-character loop, and cannot cd past PATH_MAX.
describe.each((['bash', 'zsh'] as const).filter(hasShell))('%s prompt hook', (shell) => {
  test('takes a plain cwd without the per-character loop', () => {
    const [plain, spaced] = [join(root, 'trace-plain'), join(root, 'trace spaced')];
    for (const dir of [plain, spaced]) mkdirSync(dir, { recursive: true });
    expect(traceIn(shell, plain)).not.toMatch(/__orchflow_cwd\+=/);
    expect(traceIn(shell, spaced)).toMatch(/__orchflow_cwd\+=/);
  });

  test('leaves out a cwd over 4096 bytes', () => {
    // Past PATH_MAX, so made one relative step at a time.
    const step = 'd'.repeat(200);
    const enter = `cd "$1" && for i in ${' 1'.repeat(22)}; do mkdir -p ${step} && cd ${step} || exit 1; done`;
    expect(encodedIn(shell, root, enter)).toBe('');
  });
});
