// `ln -s TARGET` with one operand makes ./<name of TARGET>, and `-t DIR` (also `-tDIR`, `-st DIR`,
// `--target-directory=DIR`) makes DIR/<name> for every operand. Both forms used to leave the
// target unjudged and the link unknown to the rest of the line: `ln -s ~ && cat home/.ssh/id_rsa`
// read the key under `standard`.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CommandPolicy } from '../src/command/command-policy';
import { linkArgs } from '../src/command/line-links';
import { SecurityPresets } from '../src/policy/presets';

const root = mkdtempSync(join(tmpdir(), 'orchflow-link-operands-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const home = join(root, 'home');
mkdirSync(join(home, '.ssh'), { recursive: true });
writeFileSync(join(home, '.ssh', 'id_rsa'), 'key');
const proj = join(home, 'proj');
mkdirSync(proj);

const standard = new CommandPolicy(SecurityPresets.standard);
const check = (command: string) => standard.check(command, { cwd: proj, home });

describe('links made by one-operand and target-directory forms', () => {
  it.each([
    'ln -s ~ && cat home/.ssh/id_rsa',
    'ln -s ~; cat home/.ssh/id_rsa',
    'ln -s --target-directory=. ~ && cat home/.ssh/id_rsa',
    'ln -st. ~ && cat home/.ssh/id_rsa',
    'ln -s -t . ~ && cat home/.ssh/id_rsa',
    'ln --symbolic ../../home; cat home/.ssh/id_rsa',
    'ln -s -- ../../home; cat home/.ssh/id_rsa',
    'ln -s ~/ && grep -R PRIVATE .',
    // getopt takes any unambiguous start of a long option.
    'ln -s --target d ~; cat d/home/.ssh/id_rsa',
    'ln -s --ta=d ~; cat d/home/.ssh/id_rsa',
    'cp --rec ~ x; cat x/.ssh/id_rsa',
    'cp --arch ~ x',
  ])('%s is refused', async (command) => {
    const decision = await check(command);
    expect({ command, allowed: decision.allowed, rule: decision.rule }).toMatchObject({
      allowed: false,
      rule: expect.stringMatching(/^forbidden-path/),
    });
  });

  it('a relative target of a link whose place is a glob or brace group is only known at run time', async () => {
    mkdirSync(join(root, 'X'), { recursive: true });
    for (const command of [
      `ln -s ../home ${root}/X*`,
      `ln -s ../home ${root}/[X]`,
      `ln -s ../home {d,${root}/X}`,
    ]) {
      const decision = await check(command);
      expect({ command, allowed: decision.allowed }).toEqual({ command, allowed: false });
    }
  });

  it.each(['ln -s ../README.md', 'ln -s src/a.ts b.ts', 'ln -sf target linkname', 'ln -s -t bin ../tool'])(
    '%s stays allowed',
    async (command) => {
      expect((await check(command)).allowed).toBe(true);
    },
  );

  it('reads the layout of the arguments', () => {
    expect(linkArgs(['-s', 'a'])).toEqual({ operands: [1], noDeref: false });
    expect(linkArgs(['-st', 'dir', 'a', 'b'])).toEqual({ operands: [2, 3], into: 'dir', noDeref: false });
    expect(linkArgs(['-sfnt/x', 'a'])).toEqual({ operands: [1], into: '/x', noDeref: true });
    expect(linkArgs(['--target-directory=d', '-S', '.bak', 'a'])).toEqual({
      operands: [3],
      into: 'd',
      noDeref: false,
    });
    expect(linkArgs(['-s', '--', '-a', 'b'])).toEqual({ operands: [2, 3], noDeref: false });
    expect(linkArgs(['-s', '--targ=d', 'a'])).toEqual({ operands: [2], into: 'd', noDeref: false });
    expect(linkArgs(['-s', '--su', '.b', '--no-t', 'a', 'b'])).toEqual({ operands: [4, 5], noDeref: true });
  });
});

describe('find -L / -follow with -exec', () => {
  it('what the walk finds through a link is only known at run time: refused', async () => {
    const dir = join(root, 'follow');
    mkdirSync(join(dir, 'a'), { recursive: true });
    symlinkSync(home, join(dir, 'a', 'h'));
    for (const command of [
      'find -D stat -L . -name id_rsa -exec cat {} +',
      'find -L . -type f -exec cat {} +',
      'find . -follow -type f -exec cat {} +',
      'find -L . -name id_rsa -exec cat {} +',
    ]) {
      const decision = await standard.check(command, { cwd: dir, home });
      expect({ command, allowed: decision.allowed }).toEqual({ command, allowed: false });
    }
    // Without following, and without -exec, it stays allowed.
    for (const command of ['find . -type f -exec cat {} +', 'find -L . -name x -print'])
      expect((await standard.check(command, { cwd: proj, home })).allowed).toBe(true);
  });
});
