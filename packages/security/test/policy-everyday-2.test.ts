// Issue #11 §3, second round: everyday commands a developer agent runs are allowed under the
// developer policy — walks that exclude the forbidden `secret/`, walks that list names only, globs
// among options, harmless builtins under `locked`, a workspace PYTHONPATH, profilers running a
// script — while the variants that really read `secret/` (or could) stay refused.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CommandPolicy } from '../src/command/command-policy';
import { SecurityPresets } from '../src/policy/presets';
import { developer, developerPolicyInput, expectAllowed, expectDenied, judge } from './developer-policy';

const locked = new CommandPolicy(SecurityPresets.locked);
const SECRET = /^forbidden-path:\/work\/project\/secret$/;

describe('walks that provably skip the forbidden directory', () => {
  it.each([
    'grep -rn x --exclude-dir=secret .',
    'grep -r --exclude-dir=secret x',
    'grep -rn x --exclude-dir secret .',
    "grep -rn TODO --exclude-dir='secr*' src .",
    "rg x -g '!secret'",
    "rg x -g '!secret/'",
    "rg x --glob '!secret' -n",
    "rg x --iglob '!SECRET'",
    "rg x -g '*.ts' -g '!secret'",
    "git grep x -- . ':!secret'",
    "git grep x -- ':!secret'",
    "git grep -n x -- ':(exclude)secret' ':^node_modules'",
    "find . -path ./secret -prune -o -name '*.ts' -print",
    "find . -path ./secret -prune -o -name '*.ts' -exec wc -l {} +",
    'find . -name secret -prune -o -type f -exec wc -l {} +',
    "find . \\( -path ./node_modules -o -path ./secret \\) -prune -o -name '*.js' -exec grep -n x {} +",
  ])('%s is allowed', async (command) => {
    await expectAllowed(developer, command);
  });

  it.each([
    'grep -rn x .',
    'grep -rn x --exclude-dir=secre .',
    'grep -rn x --exclude-dir=src .',
    'grep -rn x --exclude-dir=$D .',
    "grep -rn x --exclude-dir='[s]ecret' .",
    'grep -rn x --exclude-dir=secret secret',
    "rg x -g '!SECRET'",
    "rg x -g '!secret' -g '*.ts'",
    "rg x secret -g '!secret'",
    "git grep x -- . ':!src'",
    "git grep x -- ':!secre'",
    "git grep x -- secret ':!src'",
    "find . -path ./src -prune -o -name '*.ts' -exec cat {} +",
    'find . -depth -path ./secret -prune -o -exec cat {} +',
    'find . -mindepth 1 -path ./secret -prune -o -exec cat {} +',
    "find . -name '*.js' -exec cat {} +",
  ])('%s is refused', async (command) => {
    await expectDenied(developer, command, SECRET);
  });

  it('a root-anchored git exclude still walks the whole repository (refused)', async () => {
    await expectDenied(developer, "git grep x -- ':/' ':!secret'", /^forbidden-path:/);
  });
});

describe('walks that list names and sizes only', () => {
  it.each([
    'du -sh .',
    'du -sh',
    'du -sh */',
    'tree -L 2',
    'tree',
    'ls -R',
    'ls -la *',
    "find . -name '*.js'",
  ])('%s is allowed', async (command) => {
    await expectAllowed(developer, command);
  });

  it.each(['ls secret', 'du -sh secret', "find secret -name '*.js'", 'tree -R', 'cat *', 'grep -n x *'])(
    '%s (names the forbidden directory or reads contents) is refused',
    async (command) => {
      await expectDenied(developer, command, SECRET);
    },
  );

  it('a run-time word in find’s expression could be -exec: refused', async () => {
    expect((await judge(developer, "find . -name '*.js' $X")).allowed).toBe(false);
  });
});

describe('globs among options', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orchflow-globs-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'a.ts'), '');
  writeFileSync(join(dir, 'notes.txt'), '');
  const dashed = mkdtempSync(join(tmpdir(), 'orchflow-dashed-'));
  writeFileSync(join(dashed, '--files0-from=list.ts'), '');
  writeFileSync(join(dashed, '-ofoo.txt'), '');
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(dashed, { recursive: true, force: true });
  });

  it.each([
    'wc -l *.ts',
    'sort *.txt',
    'du -sh *',
    'file *',
    'rg -n foo *.ts',
    'git diff *.ts',
    'wc -l -- *.ts',
  ])('%s is allowed where no match starts with -', async (command) => {
    await expectAllowed(locked, command, dir);
  });

  it.each([
    ['wc -l *.ts', /^allowedCommands\[\d+\]: wc: refused$/],
    ['sort *.txt', /^allowedCommands\[\d+\]: sort: refused$/],
  ])('%s is refused where a match would be a refused option', async (command, rule) => {
    await expectDenied(locked, command, rule, dashed);
  });

  it.each(['touch -- -o.txt; sort *.txt', 'touch ./-o.txt; sort *.txt', 'echo > ./-o.txt; sort *.txt'])(
    '%s (the line may make a dashed name) is refused',
    async (command) => {
      const writer = new CommandPolicy({ ...developerPolicyInput, forbiddenPaths: [] });
      await expectDenied(writer, command, /: sort: refused$/, dir);
    },
  );
});

describe('harmless builtins under locked', () => {
  it.each([
    'set -euo pipefail',
    'set -e; set -o pipefail; set +x',
    'set -- a b',
    'while read -r l; do echo "$l"; done < notes.txt',
    'sleep 1',
    'true',
    ':',
    'test -f x',
    '[ -d src ]',
    "printf '%s\\n' a",
    'cd src',
    'for f in a b; do [ -f "$f" ] || continue; echo "$f"; done',
    'basename src/a.ts; dirname src/a.ts; seq 3; type ls',
  ])('%s is allowed', async (command) => {
    await expectAllowed(locked, command);
  });

  it.each([
    ['set -k', 'shell-option:keyword'],
    ['set -o keyword', 'shell-option:keyword'],
    ['set -a', 'runs-code'],
    ['set +o interactive-comments', 'shell-option:interactive-comments'],
    ['set -o posix', 'shell-option:posix'],
    ['set $OPTS', 'shell-option:non-literal'],
    ['read PATH', 'dangerous-assignment:PATH'],
    ['eval ls', 'eval'],
    ['source ./env.sh', 'allowedCommands: no match'],
    ['exec ls', 'allowedCommands: no match'],
  ])('%s is refused (%s)', async (command, rule) => {
    await expectDenied(locked, command, rule);
  });
});

describe('python: a workspace PYTHONPATH and profilers running a script', () => {
  it.each([
    'PYTHONPATH=src python3 -m pytest',
    'PYTHONPATH=src:lib python3 -m pytest -q',
    'PYTHONPATH=src python3 app.py',
    'python3 -m cProfile script.py',
    'python3 -m cProfile -o out.prof -s cumtime script.py -c config.yml',
    'python3 -m profile script.py',
    'python3 -m cProfile -m mypkg.main',
  ])('%s is allowed', async (command) => {
    await expectAllowed(developer, command);
  });

  it.each([
    ['PYTHONPATH=/tmp python3 -m pytest', 'dangerous-assignment:PYTHONPATH'],
    ['PYTHONPATH=../other python3 -m pytest', 'dangerous-assignment:PYTHONPATH'],
    ['PYTHONPATH=secret python3 -m pytest', 'dangerous-assignment:PYTHONPATH'],
    ['PYTHONPATH=src:secret/lib python3 -m pytest', 'dangerous-assignment:PYTHONPATH'],
    ['PYTHONPATH=. python3 -m pytest', 'dangerous-assignment:PYTHONPATH'],
    ['PYTHONPATH=$X python3 -m pytest', 'dangerous-assignment:PYTHONPATH'],
    ['PYTHONPATH=~/lib python3 -m pytest', 'dangerous-assignment:PYTHONPATH'],
    ['export PYTHONPATH=src; python3 -m pytest', 'dangerous-assignment:PYTHONPATH'],
    ["python3 -m cProfile -m timeit -s 'import os'", 'inline-code'],
    ['python3 -m cProfile -', 'inline-code'],
    ['python3 -m cProfile $X', 'inline-code'],
    ['python3 -m cProfile --unknown script.py', 'inline-code'],
  ])('%s is refused (%s)', async (command, rule) => {
    await expectDenied(developer, command, rule);
  });

  it('a profiled script in the forbidden directory is refused', async () => {
    await expectDenied(developer, 'python3 -m cProfile secret/x.py', SECRET);
  });
});
