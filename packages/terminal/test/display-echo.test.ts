// What a person watching a terminal sees of execute(): the prompt, the command as written, then
// its output — never the line orchflow typed for it (`__orchflow_arm <token> …; eval $'…'`). Real
// PTYs with bash, zsh and sh; the scrollback (what streams and `attach` replay) and snapshots.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { Terminal } from '../src/terminal';
import { hasShell } from './fixture';

// Every command token orchflow typed: none may reach what viewers see.
const typed = vi.hoisted(() => ({ tokens: [] as string[] }));
vi.mock('../src/exec/encode', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/exec/encode')>();
  return {
    ...original,
    encodeCommand: (...args: Parameters<typeof original.encodeCommand>) => {
      typed.tokens.push(args[2]);
      return original.encodeCommand(...args);
    },
  };
});

const shells = ['bash', 'zsh', 'sh'].filter(hasShell);
// bash with and without readline (the echo differs: readline draws it, the tty echoes it); zsh
// keeps zle either way.
const cases = shells.flatMap((shell) =>
  shell === 'bash'
    ? [false, true].map((lineEditing) => ({ shell, lineEditing }))
    : [{ shell, lineEditing: false }],
);
// sh's PS1 only prints the done marker: its prompt is empty. bash and zsh show `#`/`$`/`%`.
const PROMPT: Record<string, string> = { bash: '[#$] ', zsh: '[#%] ', sh: '' };
const CSI = /\x1b\[[0-?]*[ -/]*[@-~]/g;

let dir: string;
const spawned: Terminal[] = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchflow-display-echo-'));
});
afterEach(async () => {
  await Promise.all(spawned.splice(0).map((t) => t.kill()));
  typed.tokens.length = 0;
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function spawn(shell: string, lineEditing = false): Promise<Terminal> {
  const t = await Terminal.spawn({ shell, cwd: dir, cols: 80, rows: 24, lineEditing });
  spawned.push(t);
  return t;
}

/** The retained scrollback as text. */
const scrollback = (t: Terminal): string => t.read({ fromOffset: 0 }).data;

function expectNoMachinery(text: string): void {
  expect(text).not.toContain('__orchflow');
  expect(text).not.toContain('eval ');
  expect(text).not.toContain('2>/dev/null');
  expect(typed.tokens.length).toBeGreaterThan(0);
  for (const token of typed.tokens) expect(text).not.toContain(token);
}

describe.each(cases)('$shell, line editing $lineEditing', ({ shell, lineEditing }) => {
  test('the prompt, the command as written and its output; stdout unchanged', async () => {
    const t = await spawn(shell, lineEditing);
    const r = await t.execute('echo hi');
    expect(r.stdout).toBe('hi\n');
    const text = scrollback(t);
    expectNoMachinery(text);
    expect(text.replace(CSI, '')).toMatch(new RegExp(`(^|[\\r\\n])${PROMPT[shell]}echo hi\\r\\nhi\\r\\n`));
    const lines = (await t.snapshot()).lines;
    const at = lines.findIndex((line) => new RegExp(`^${PROMPT[shell]}echo hi$`).test(line));
    expect(at).toBeGreaterThanOrEqual(0);
    expect(lines[at + 1]).toBe('hi');
    expectNoMachinery(lines.join('\n'));
  });

  test('a multi-line command shows as a pasted block', async () => {
    const t = await spawn(shell, lineEditing);
    const r = await t.execute('echo one\necho two');
    expect(r.stdout).toBe('one\ntwo\n');
    const lines = (await t.snapshot()).lines;
    const at = lines.findIndex((line) => new RegExp(`^${PROMPT[shell]}echo one$`).test(line));
    expect(lines.slice(at, at + 4).map((line) => line.replace(new RegExp(`^${PROMPT[shell]}`), ''))).toEqual([
      'echo one',
      'echo two',
      'one',
      'two',
    ]);
    expectNoMachinery(scrollback(t));
  });

  test('a command longer than the inline limit (typed as a file reference) shows as written', async () => {
    const t = await spawn(shell, lineEditing);
    const word = 'y'.repeat(2100);
    const r = await t.execute(`echo ${word}`);
    expect(r.stdout).toBe(`${word}\n`);
    const text = scrollback(t);
    expectNoMachinery(text);
    expect(text).not.toContain('/command-');
    expect(text.replace(CSI, '')).toContain(`echo ${word}\r\n${word}\r\n`);
  });

  test('control characters of the command are shown in caret notation, not sent to viewers', async () => {
    const t = await spawn(shell, lineEditing);
    const r = await t.execute('echo ok # \x1b[2J\x07');
    expect(r.stdout).toBe('ok\n');
    const text = scrollback(t);
    expectNoMachinery(text);
    expect(text).toContain('echo ok # ^[[2J^G');
    expect(text).not.toContain('\x1b[2J');
    expect(text).not.toContain('\x07');
  });

  test('what is typed by hand keeps its own echo', async () => {
    const t = await spawn(shell, lineEditing);
    await t.execute('true');
    t.write('echo by-hand\r');
    await t.execute('echo after');
    expect(scrollback(t).replace(CSI, '')).toMatch(/echo by-hand\r*\nby-hand\r\n/);
  });
});

describe('when the echo cannot be replaced, it is shown as it came', () => {
  test('more bytes before the start marker than an echo can be (a huge PS0)', async () => {
    const t = await spawn('bash');
    await t.execute(`PS0="$(printf 'z%.0s' {1..20000})"`);
    const r = await t.execute('echo hi');
    expect(r.stdout).toBe('hi\n');
    const text = scrollback(t);
    expect(text).toContain('z'.repeat(20000));
    // The machinery shows: the fallback loses nothing and invents nothing.
    expect(text).toContain(`__orchflow_arm ${typed.tokens.at(-1)} 2>/dev/null; eval $'echo hi'`);
  });

  test('a line whose start marker never comes, interrupted: its echo, output and ^C all stay', async () => {
    const t = await spawn('bash');
    // The arm becomes a no-op: the line runs without a start marker, and its done marker carries
    // the previous token, so the command only ends through its timeout's interrupt.
    await t.execute('alias __orchflow_arm=:');
    const r = await t.execute('echo visible; sleep 30', { timeoutMs: 500 });
    expect(r.timedOut).toBe(true);
    const text = scrollback(t);
    expect(text).toContain(
      `__orchflow_arm ${typed.tokens.at(-1)} 2>/dev/null; eval $'echo visible; sleep 30'`,
    );
    expect(text).toMatch(/visible\r\n[\s\S]*\^C/);
  });
});
