// The rc function that puts the cwd into the "done" marker, run in the real shells: a plain path
// is taken as it is, any other has each byte outside the safe set percent-encoded, and both
// decode back to the path (in a UTF-8 locale, where bracket ranges may collate beyond ASCII).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { decodeCwdField } from '../src/shell-integration/marker-format';
import { encodeCwdFunction } from '../src/shell-integration/rc-snippets';

const root = mkdtempSync(join(tmpdir(), 'orchflow-cwd-'));
// rm, not rmSync: the tree goes deeper than PATH_MAX.
afterAll(() => execFileSync('rm', ['-rf', root]));

const names = ['plain', 'a b', 'é', 'x~y-z_1.2', 'a]b', 'a^b', 'a*b', 'a\\b', "it's", 'Ω-日本'];

/** `$__orchflow_cwd` after `shell` ran `enter` (given `dir` as $1) and the rc function. */
function encodedIn(shell: 'bash' | 'zsh' | 'sh', dir: string, enter = 'cd "$1"'): string {
  const script = `${encodeCwdFunction(shell)}\n${enter} && __orchflow_encode_cwd && printf '%s' "$__orchflow_cwd"`;
  return execFileSync(shell, ['-c', script, shell, dir], {
    encoding: 'utf8',
    env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' },
  });
}

describe.each(['bash', 'zsh', 'sh'] as const)('%s encodes the cwd of its marker', (shell) => {
  test.each(names)('%s', (name) => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    const field = encodedIn(shell, dir);
    expect(decodeCwdField(field)).toBe(dir);
    // Nothing outside the safe set is ever written as it is.
    expect(field).toMatch(/^[A-Za-z0-9/._~%-]*$/);
    if (/^[A-Za-z0-9/._~-]*$/.test(dir)) expect(field).toBe(dir);
  });

  // dash cannot cd past PATH_MAX; its function checks the length first, as before.
  test.skipIf(shell === 'sh')('leaves out a cwd over 4096 bytes', () => {
    // Past PATH_MAX, so made one relative step at a time.
    const step = 'd'.repeat(200);
    const enter = `cd "$1" && for i in ${' 1'.repeat(22)}; do mkdir -p ${step} && cd ${step} || exit 1; done`;
    expect(encodedIn(shell, root, enter)).toBe('');
  });
});
