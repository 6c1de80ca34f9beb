// TerminalConfig.lineEditing: bash and zsh start without their line editor unless asked, so typed
// lines are read whole by the tty's line discipline. Real PTYs: which editor runs, that commands
// and hand-typed lines behave the same either way, and the tty's own editing keys without one.
import { afterEach, describe, expect, test } from 'vitest';
import { Terminal } from '../src/terminal';
import { hasShell } from './fixture';

const shells = ['bash', 'zsh'].filter(hasShell);
// How each shell says whether its line editor is on.
const EDITOR_ON: Record<string, string> = {
  bash: '[[ -o emacs || -o vi ]] && echo editor-on || echo editor-off',
  zsh: '[[ -o zle ]] && echo editor-on || echo editor-off',
};

const CSI = /\x1b\[[0-?]*[ -/]*[@-~]/g;

const spawned: Terminal[] = [];
afterEach(async () => {
  await Promise.all(spawned.splice(0).map((t) => t.kill()));
});

async function spawn(shell: string, lineEditing?: boolean, args?: string[]): Promise<Terminal> {
  const t = await Terminal.spawn({ shell, lineEditing, args, cols: 80, rows: 24 });
  spawned.push(t);
  return t;
}

/**
 * What the terminal showed after `keys` were typed by hand, up to the end of an `execute` that
 * follows them (it runs once the shell has read what was typed).
 */
async function afterTyping(t: Terminal, keys: string): Promise<string> {
  const from = t.read({ fromOffset: 0 }).nextOffset;
  t.write(keys);
  // Well under the 5 s the session would wait for a prompt that never comes after a ^C.
  const r = await t.execute('echo typed-done', { timeoutMs: 3000 });
  expect(r).toMatchObject({ stdout: 'typed-done\n', exitCode: 0, timedOut: false });
  return t.read({ fromOffset: from }).data;
}

describe.each(shells)('%s', (shell) => {
  test('starts without its line editor by default, with it when asked', async () => {
    const plain = await spawn(shell);
    expect((await plain.execute(EDITOR_ON[shell] as string)).stdout).toBe('editor-off\n');
    const editing = await spawn(shell, true);
    expect((await editing.execute(EDITOR_ON[shell] as string)).stdout).toBe('editor-on\n');
  });

  test('arguments given for the shell come after orchflow’s and can turn the editor back on', async () => {
    const t = await spawn(shell, false, shell === 'bash' ? ['-o', 'emacs'] : ['-Z']);
    expect((await t.execute(EDITOR_ON[shell] as string)).stdout).toBe('editor-on\n');
  });

  test.each([false, true])(
    'line editing %s: commands, exit codes, a command’s env, long lines',
    async (lineEditing) => {
      const t = await spawn(shell, lineEditing);
      expect(await t.execute('echo one; false')).toMatchObject({ stdout: 'one\n', exitCode: 1 });
      expect((await t.execute('echo "$TRACEPARENT"', { env: { TRACEPARENT: '00-ab-cd-01' } })).stdout).toBe(
        '00-ab-cd-01\n',
      );
      expect((await t.execute('echo "[$TRACEPARENT]"')).stdout).toBe('[]\n');
      // Typed inline (under the 2048-character limit), far over an 80-column line.
      const word = 'x'.repeat(1900);
      expect((await t.execute(`echo ${word}`)).stdout).toBe(`${word}\n`);
      const typed = await afterTyping(t, 'echo by-hand\r');
      expect(typed).toMatch(/\r\nby-hand\r\n/);
    },
  );

  test('an interrupt still stops a loop the shell runs itself', async () => {
    const t = await spawn(shell);
    const r = await t.execute('while :; do :; done', { timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(await t.execute('echo alive')).toMatchObject({ stdout: 'alive\n', exitCode: 0 });
  });
});

// sh has no line editor at all: the same keys, the same results.
describe.each([...shells, 'sh'])('%s without an editor', (shell) => {
  test('the tty’s Backspace, Ctrl-W, Ctrl-U and Ctrl-C edit a typed line', async () => {
    const t = await spawn(shell);
    await t.execute('true');
    expect(await afterTyping(t, 'echo abX\x7fc\r')).toMatch(/\r\nabc\r\n/);
    expect(await afterTyping(t, 'echo gone\x17kept\r')).toMatch(/\r\nkept\r\n/);
    expect(await afterTyping(t, 'junk-command\x15echo after-kill\r')).toMatch(/\r\nafter-kill\r\n/);
  });
});

const cases = [
  ...shells.flatMap((shell) => [false, true].map((lineEditing) => ({ shell, lineEditing }))),
  { shell: 'sh', lineEditing: false },
];
describe.each(cases)('$shell, line editing $lineEditing', ({ shell, lineEditing }) => {
  test('a command typed right after a ^C at the prompt runs, whole', async () => {
    const t = await spawn(shell, lineEditing);
    await t.execute('true');
    // Handling the interrupt, the shell throws away what it has read of the next line (zsh
    // without zle even the whole next line): the session waits for the prompt (and its done
    // marker) the shell shows after it. Typed before that marker, the line's echo would be shown
    // with its machinery: the marker came before the line's start marker. Twice, as an agent might.
    for (let i = 0; i < 2; i++) {
      const shown = await afterTyping(t, 'echo never-run\x03');
      expect(shown).not.toMatch(/never-run\r\n/);
      expect(shown.replace(CSI, '')).toMatch(/echo typed-done\r\ntyped-done\r\n/);
      expect(shown).not.toContain('__orchflow');
    }
    expect(await t.execute('echo still-fine')).toMatchObject({ stdout: 'still-fine\n', exitCode: 0 });
  });
});
