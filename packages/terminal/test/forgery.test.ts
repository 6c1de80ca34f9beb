// Attacks on completion: a command and everything it starts try to end execute() early, choose
// its exit code or move the cwd the orchestrator tracks. A program the command starts — in the
// foreground or the background — looks for the terminal's key everywhere it can read as the same
// user (its parent's argv, environment and open files, the integration directory, its own
// environment) and prints markers with every candidate. The shell itself is made to call the hooks.
// Each case checks that the command's own end, exit code and output are what is reported, and that
// the next command still gets its own output.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Terminal } from '../src/terminal';
import { hasShell } from './fixture';

const shells = ['bash', 'zsh', 'sh'].filter(hasShell);

// Searches what a program can read for 32-hex-digit strings and 12-hex-digit tokens, prints start
// and done markers (status 0, cwd /usr) with every combination, then sleeps and exits with argv[2]'s
// status. argv[1] is an extra key candidate ('-' for none): what the command itself could hand over.
const FORGER = String.raw`
import os, re, sys, glob, time
keys, tokens = set(), {"0"}
def scan(data):
    text = data.decode("latin1", "replace")
    keys.update(re.findall(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])", text))
    tokens.update(re.findall(r"(?<![0-9a-f])[0-9a-f]{12}(?![0-9a-f])", text))
def read(path):
    try:
        with open(path, "rb") as f: scan(f.read(1 << 20))
    except OSError: pass
pids = [os.getpid(), os.getppid()]
for pid in pids:
    for part in ("cmdline", "environ"):
        read(f"/proc/{pid}/{part}")
    for fd in glob.glob(f"/proc/{pid}/fd/*"):
        try:
            target = os.readlink(fd)
        except OSError: continue
        if target.startswith("/") and os.path.isfile(target): read(target)
for path in [p for base in ("/tmp", "/dev/shm") for p in glob.glob(f"{base}/orchflow-sh-*/**", recursive=True) + glob.glob(f"{base}/orchflow-sh-*/.*")]:
    if os.path.isfile(path): read(path)
for word in open(f"/proc/{os.getppid()}/cmdline", "rb").read().split(b"\0"):
    path = word.decode("latin1")
    if os.path.isfile(path): read(path)
scan(sys.argv[1].encode("latin1", "replace"))
out = sys.stdout.buffer
for key in keys:
    for token in tokens:
        out.write(f"\x1b]633;C;{key};{token}\x07\x1b]633;D;{key};{token};0;%2Fusr\x07".encode())
out.flush()
time.sleep(float(sys.argv[3]))
print("real-output", flush=True)
sys.exit(int(sys.argv[2]))
`;

let dir: string;
let forger: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchflow-forgery-'));
  forger = join(dir, 'forge.py');
  writeFileSync(forger, FORGER);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe.each(shells)('completion cannot be forged in %s', (shell) => {
  let t: Terminal;

  beforeAll(async () => {
    t = await Terminal.spawn({ shell, cwd: dir, cols: 200, rows: 24 });
  });

  afterAll(async () => {
    await t?.kill();
  });

  async function expectNextCommandIsItself(): Promise<void> {
    const next = await t.execute('echo next; (exit 3)', { timeoutMs: 10_000 });
    expect(next).toMatchObject({ stdout: 'next\n', exitCode: 3, cwd: dir });
  }

  test('a foreground program that searches for the key cannot end the command', async () => {
    const r = await t.execute(`python3 ${forger} - 7 1`, { timeoutMs: 15_000 });
    expect(r).toMatchObject({ exitCode: 7, timedOut: false, cwd: dir });
    expect(r.stdout).toContain('real-output');
    expect(r.durationMs).toBeGreaterThanOrEqual(1000);
    expect(t.cwd).toBe(dir);
    await expectNextCommandIsItself();
  });

  test('a background program cannot end the command while the shell waits', async () => {
    const r = await t.execute(`python3 ${forger} - 0 0 & sleep 1; wait; echo fg-end; (exit 6)`, {
      timeoutMs: 15_000,
    });
    expect(r).toMatchObject({ exitCode: 6, timedOut: false, cwd: dir });
    expect(r.stdout).toContain('fg-end');
    expect(r.durationMs).toBeGreaterThanOrEqual(1000);
    await expectNextCommandIsItself();
  });

  test('a program handed the key by the command cannot end it while it holds the terminal', async () => {
    // The command text reads the shell's secret itself (a command policy forbids this; here none
    // runs): markers with the right key and token are believed only when the shell holds the terminal.
    // dash cannot print a function's body at all.
    const key = {
      bash: '$(typeset -f __orchflow_prompt) $__orchflow_t',
      zsh: '$functions[__orchflow_precmd] $__orchflow_t',
      sh: '$__orchflow_t',
    }[shell];
    const r = await t.execute(`python3 ${forger} "${key}" 4 1.5`, { timeoutMs: 15_000 });
    expect(r).toMatchObject({ exitCode: 4, timedOut: false, cwd: dir });
    expect(r.stdout).toContain('real-output');
    expect(r.durationMs).toBeGreaterThanOrEqual(1500);
    await expectNextCommandIsItself();
  });

  test('no variable or prompt string holds the key', async () => {
    // Variables can be read in roundabout ways (bash arithmetic evaluates the name a variable
    // holds and prints the value in its error), so the key lives only in the hook functions' bodies.
    const dump = { bash: 'declare -p', zsh: 'typeset -p', sh: 'set' }[shell];
    const r = await t.execute(
      `{ ${dump}; printf '%s' "\${PS0-}$PS1\${PROMPT_COMMAND-}"; } | grep -oE '[0-9a-f]{32}' | sort -u || true`,
    );
    // Hex strings the shell inherited from this process (e.g. pnpm's hashed paths in NODE_PATH)
    // cannot be the terminal's key, which is made afresh for each terminal.
    const inherited = JSON.stringify(process.env);
    expect(r.stdout.split('\n').filter((hex) => hex !== '' && !inherited.includes(hex))).toEqual([]);
    const arithmetic = await t.execute('x=__orch; x+=flow_k; echo $((x)); set -u; echo $((x)); set +u', {
      timeoutMs: 10_000,
    });
    expect(arithmetic.stdout).not.toMatch(/[0-9a-f]{32}/);
    expect((await t.execute('env | grep -c __orchflow || true')).stdout).toBe('0\n');
    await expectNextCommandIsItself();
  });
});

describe.each(shells)('markers the shell cannot keep clean in %s', (shell) => {
  test('a cwd deeper than one marker can carry: the command completes, the key never shows', async () => {
    const t = await Terminal.spawn({ shell, cwd: dir });
    try {
      const before = t.read({}).endOffset;
      const name = 'a'.repeat(250);
      const deep = await t.execute(
        `i=0; while [ $i -lt 70 ]; do mkdir -p ${name} && cd ${name} || break; i=$((i+1)); done; pwd | wc -c`,
        { timeoutMs: 20_000 },
      );
      expect(deep).toMatchObject({ exitCode: 0, timedOut: false });
      // dash cannot cd past PATH_MAX (it keeps the full path); bash and zsh go on.
      if (shell !== 'sh') expect(Number(deep.stdout.trim())).toBeGreaterThan(17_000);
      expect((await t.execute(`cd ${dir} && rm -rf ${name} && echo back`)).stdout).toBe('back\n');
      expect(t.read({ fromOffset: before }).data).not.toMatch(/\x1b\]633;[CD];[0-9a-f]{32}/);
    } finally {
      await t.kill();
    }
  });

  test('a background program flooding keyless markers does not stall later commands', async () => {
    const t = await Terminal.spawn({ shell, cwd: dir });
    try {
      await t.execute(
        "(i=0; while [ $i -lt 300 ]; do printf '\\033]633;C\\007\\033]633;D\\007'; sleep 0.01; i=$((i+1)); done) &",
      );
      for (const word of ['one', 'two', 'three']) {
        expect(await t.execute(`echo ${word}; (exit 2)`, { timeoutMs: 10_000 })).toMatchObject({
          stdout: expect.stringContaining(`${word}\n`),
          exitCode: 2,
          timedOut: false,
        });
      }
    } finally {
      await t.kill();
    }
  });
});

describe('input typed by someone else', () => {
  test("a line written to the shell's prompt makes execute() wait for the prompt again", async () => {
    const t = await Terminal.spawn({ shell: 'bash', cwd: dir });
    try {
      t.write('read -r answer\r');
      const after = t.execute('echo "got:$answer"', { timeoutMs: 10_000 });
      await new Promise((r) => setTimeout(r, 500));
      t.write('yes\r');
      expect(await after).toMatchObject({ stdout: 'got:yes\n', exitCode: 0 });
    } finally {
      await t.kill();
    }
  });

  test('readline ignores ~/.inputrc, so no macro can rewrite the lines orchflow types', async () => {
    const home = mkdtempSync(join(tmpdir(), 'orchflow-home-'));
    const pwned = join(home, 'pwned');
    writeFileSync(join(home, '.inputrc'), `"ev": "touch ${pwned}; ev"\n`);
    const t = await Terminal.spawn({ shell: 'bash', cwd: dir, env: { HOME: home } });
    try {
      expect(await t.execute('echo fine')).toMatchObject({ stdout: 'fine\n', exitCode: 0 });
      expect(existsSync(pwned)).toBe(false);
    } finally {
      await t.kill();
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe.each(shells.filter((s) => s !== 'sh'))('the shell calling its own hooks in %s', (shell) => {
  test('a done marker printed mid-command does not end it', async () => {
    const t = await Terminal.spawn({ shell, cwd: dir });
    try {
      const hook = shell === 'bash' ? '__orchflow_prompt' : '__orchflow_precmd';
      const late = join(dir, `late-${shell}`);
      const r = await t.execute(`true; { ${hook}; } 2>/dev/null; sleep 1; echo late > ${late}; (exit 9)`, {
        timeoutMs: 10_000,
      });
      expect(r).toMatchObject({ exitCode: 9, timedOut: false });
      expect(r.durationMs).toBeGreaterThanOrEqual(1000);
      expect(existsSync(late)).toBe(true);
      expect((await t.execute('echo next')).stdout).toBe('next\n');
    } finally {
      await t.kill();
    }
  });

  test('a prompt string sliced for the key gives nothing that moves the cwd', async () => {
    const t = await Terminal.spawn({ shell, cwd: dir });
    try {
      const prompt = shell === 'bash' ? 'PS0' : 'PS1';
      const r = await t.execute(
        `unset PROMPT_COMMAND; printf '\\033]633;D;%s;0;0;%%2Fusr\\007' "\${${prompt}:8:32}"; echo after`,
      );
      expect(r.stdout).toContain('after');
      expect(r.cwd).toBe(dir);
      expect((await t.execute('pwd')).stdout).toBe(`${dir}\n`);
      expect(t.cwd).toBe(dir);
    } finally {
      await t.kill();
    }
  });
});

describe('bash hooks are readonly', () => {
  test.each([
    '__orchflow_prompt() { :; }',
    'unset -f __orchflow_prompt __orchflow_arm',
    'PROMPT_COMMAND=',
    'unset PROMPT_COMMAND',
  ])('%j fails and the next commands still report their own exit codes', async (attack) => {
    const t = await Terminal.spawn({ shell: 'bash', cwd: dir });
    try {
      const r = await t.execute(attack);
      expect(r.exitCode).not.toBe(0);
      expect(r.stdout).toMatch(/readonly/);
      expect(await t.execute('echo ok; (exit 5)')).toMatchObject({ stdout: 'ok\n', exitCode: 5 });
    } finally {
      await t.kill();
    }
  });
});
