// `**` as globstar: an earlier line (or the same one) may turn globstar on, so `**` reaches every
// depth. The checks that resolve a glob's current matches through symlinks (forbidden paths, a
// process's memory, names that would be options) used to expand it as one level (`*`): a link two
// directories down was never resolved, and `cat **/klink` read ~/.ssh/id_rsa under `standard`.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CommandPolicy } from '../src/command/command-policy';
import { SecurityPresets } from '../src/policy/presets';

const root = mkdtempSync(join(tmpdir(), 'orchflow-globstar-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// A home with a key, and a workspace that reaches it only through links two levels down.
const home = join(root, 'home');
mkdirSync(join(home, '.ssh'), { recursive: true });
writeFileSync(join(home, '.ssh', 'id_rsa'), 'key');
const work = join(root, 'work');
mkdirSync(join(work, 'a', 'b'), { recursive: true });
writeFileSync(join(work, 'a', 'b', 'notes.txt'), '');
symlinkSync(join(home, '.ssh', 'id_rsa'), join(work, 'a', 'b', 'klink'));
symlinkSync(join(home, '.ssh'), join(work, 'a', 'b', 'link'));
// A clean workspace beside it: the same commands are allowed there.
const clean = join(root, 'clean');
mkdirSync(join(clean, 'a', 'b'), { recursive: true });
writeFileSync(join(clean, 'a', 'b', 'notes.txt'), '');

const standard = new CommandPolicy(SecurityPresets.standard);
const check = (policy: CommandPolicy, command: string, cwd: string) => policy.check(command, { cwd, home });

describe('forbidden paths behind links deeper than one level', () => {
  it.each([
    'shopt -s globstar; cat **/klink',
    'shopt -s globstar; cat **/link/id_rsa',
    'shopt -s globstar; cat **',
    'shopt -s globstar; cat a/**',
    'shopt -s globstar; for f in **; do cat "$f"; done',
    'find . -exec cat {} \\;',
    'find . -type l -exec cat {} +',
    'find . -maxdepth 9 -exec cat {} \\;',
  ])('%s is refused', async (command) => {
    const decision = await check(standard, command, work);
    expect({ command, allowed: decision.allowed, rule: decision.rule }).toMatchObject({
      allowed: false,
      rule: expect.stringMatching(/^forbidden-path/),
    });
  });

  it('components after ** are matched at every path: links that stay inside, and ..', async () => {
    // proj/sub/up -> .. (inside), proj/d1/in -> ../deep and proj/deep/out -> the home.
    const proj = join(home, 'proj');
    mkdirSync(join(proj, 'a', 'b'), { recursive: true });
    mkdirSync(join(proj, 'sub'));
    mkdirSync(join(proj, 'd1'));
    mkdirSync(join(proj, 'deep'));
    symlinkSync('..', join(proj, 'sub', 'up'));
    symlinkSync('../deep', join(proj, 'd1', 'in'));
    symlinkSync(home, join(proj, 'deep', 'out'));
    for (const command of [
      'shopt -s globstar; cat **/../../.ssh/id_rsa',
      'shopt -s globstar; cat **/up/../.ssh/id_rsa',
      'cat **/*/../.ssh/id_rsa',
      'cp -r **/up/.. /tmp/x',
      'shopt -s globstar; cat **/in/out/.ssh/id_rsa',
    ]) {
      const decision = await check(standard, command, proj);
      expect({ command, allowed: decision.allowed }).toEqual({ command, allowed: false });
    }
  });

  it('a glob that reaches a link before the ** walks everything below the link', async () => {
    // `*` matches `h`, a link to the home; `**` then walks the home itself, .ssh included.
    const dir = join(root, 'via-link');
    mkdirSync(dir);
    symlinkSync(home, join(dir, 'h'));
    for (const command of ['shopt -s globstar; cat */**/id_rsa', 'shopt -s globstar; cat ./*/**/id_rsa']) {
      const decision = await check(standard, command, dir);
      expect({ command, allowed: decision.allowed }).toEqual({ command, allowed: false });
    }
  });

  it.each(['shopt -s globstar; cat **/*.txt', 'shopt -s globstar; cat **', 'find . -exec cat {} \\;'])(
    '%s is allowed where no link leads out',
    async (command) => {
      expect((await check(standard, command, clean)).allowed).toBe(true);
    },
  );

  it('a large tree: a final ** is checked by its links, a ** with components after it is refused', async () => {
    const big = join(root, 'big');
    for (let i = 0; i < 600; i++) {
      mkdirSync(join(big, `d${i}`, 'src'), { recursive: true });
      writeFileSync(join(big, `d${i}`, 'src', 'a.ts'), '');
    }
    // Links that stay inside the tree change nothing for a final `**`: every path below is
    // judged by its name.
    symlinkSync(join(big, 'd1'), join(big, 'd0', 'sibling'));
    for (const command of ['shopt -s globstar; cat **', 'find . -name "*.ts" -exec grep -l foo {} +'])
      expect({ command, allowed: (await check(standard, command, big)).allowed }).toEqual({
        command,
        allowed: true,
      });
    // Components after `**` may go anywhere through a link: every path is matched, and 1800 are
    // more than are checked.
    expect(await check(standard, 'grep -n foo **/*.ts', big)).toMatchObject({
      allowed: false,
      rule: 'non-literal-path',
    });
    // Over 512 links out of the tree are more than are resolved: refused, not taken as none.
    for (let i = 0; i < 600; i++) symlinkSync('/usr/share', join(big, `d${i}`, 'out'));
    const decision = await check(standard, 'shopt -s globstar; cat **', big);
    expect(decision).toMatchObject({ allowed: false, rule: 'non-literal-path' });
  });

  it('a project of 800 files in 20 directories: ** before more components lists its directories only', async () => {
    const repo = join(root, 'repo');
    for (let d = 0; d < 20; d++) {
      mkdirSync(join(repo, `m${d}`, 'src'), { recursive: true });
      for (let f = 0; f < 20; f++) {
        writeFileSync(join(repo, `m${d}`, 'src', `f${f}.ts`), '');
        writeFileSync(join(repo, `m${d}`, `n${f}.md`), '');
      }
    }
    for (const command of ['shopt -s globstar; cat **/*.md', 'grep -n foo **/*.ts', 'wc -l m1/**/*.ts'])
      expect({ command, allowed: (await check(standard, command, repo)).allowed }).toEqual({
        command,
        allowed: true,
      });
  });

  it("zsh's *** (globstar through links) and **x are not expanded: refused where a link could matter", async () => {
    for (const command of ['cat ***/id_rsa', 'cat ***/link/id_rsa', 'cat a/***/klink', 'cat **.txt']) {
      const decision = await check(standard, command, work);
      expect({ command, allowed: decision.allowed }).toEqual({ command, allowed: false });
    }
  });
});

describe('a process’s memory behind a link deeper than one level', () => {
  it('cat **/p/mem is refused when a/b/p links to /proc/self', async () => {
    const dir = join(root, 'mem');
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    symlinkSync('/proc/self', join(dir, 'a', 'b', 'p'));
    const hooksOnly = new CommandPolicy({ dangerousVariables: [] });
    for (const command of [
      'cat **/p/mem',
      'shopt -s globstar; cat **/p/mem',
      'cat ***/p/mem',
      'cat ***/mem',
    ]) {
      expect({ command, rule: (await check(hooksOnly, command, dir)).rule }).toEqual({
        command,
        rule: 'shell-integration',
      });
    }
    expect((await check(hooksOnly, 'cat **/p/status', dir)).allowed).toBe(true);
  });
});

describe('names that would be options, at any depth', () => {
  it('wc -l **/*.ts is refused when a file below is named --files0-from=x.ts', async () => {
    const dir = join(root, 'dashed');
    mkdirSync(join(dir, 'a'), { recursive: true });
    writeFileSync(join(dir, 'a', 'y.ts'), '');
    const policy = new CommandPolicy({
      allowedCommands: ['shopt', { command: 'wc', deniedOptions: ['--files0-from'] }],
    });
    expect((await check(policy, 'shopt -s globstar; wc -l **/*.ts', dir)).allowed).toBe(true);
    writeFileSync(join(dir, '--files0-from=x.ts'), '');
    expect((await check(policy, 'shopt -s globstar; wc -l **/*.ts', dir)).allowed).toBe(false);
  });
});
