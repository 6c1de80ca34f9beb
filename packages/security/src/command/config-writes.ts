// Files an allowed program reads as code or as configuration that can run commands: git's
// repository (`.git/config`, `.git/hooks/*`, a `.git` file pointing elsewhere) and user config,
// npm's `.npmrc` (`script-shell`, `node-options`), pnpm's `.pnpmfile.cjs`, python's
// `sitecustomize.py`/`*.pth`/site-packages. A line that writes one (`echo '[alias] x = !cmd' >>
// .git/config`, `cp evil .git/hooks/pre-commit`) makes that program run code the policy never
// sees — in this line or the next — so under an allowlist the write is judged as that program's
// code form (`runs-code`), refused unless an entry names it (`git config`, `npm config`,
// `python3 -c`). Files that are the repository's own scripts (`package.json`, `conftest.py`,
// `pytest.ini`) are refused only when the same line also runs the program that reads them: what
// a line writes and runs at once is code given on the command line.

import { type LineLinks, lexicalPath, viaLinks } from './deny-forms';
import { pathRefs } from './path-refs';
import { resolveReal } from './real-paths';
import type { CommandRule } from './rules';
import type { Construct, Scan } from './scan';

interface CodeConfig {
  /** Who reads the files, for the reason. */
  reader: string;
  /** Program names that read them. */
  programs: RegExp;
  /** The allow entry tokens that name the form (`git config`). */
  form: string[];
  /** Files read by every later run: refused whenever a program of the family is allowed. */
  persistent: (parts: readonly string[]) => boolean;
  /** Files read as the program's own scripts: refused when the line also runs the program. */
  scripts?: (parts: readonly string[]) => boolean;
  /** Which invocations read `scripts` (any of the family's programs when absent). */
  runner?: (program: string, argv: readonly string[]) => boolean;
}

const has = (parts: readonly string[], name: string | RegExp) =>
  parts.some((p) => (typeof name === 'string' ? p === name : name.test(p)));
const last = (parts: readonly string[]) => parts[parts.length - 1] ?? '';

const CONFIGS: readonly CodeConfig[] = [
  {
    reader: 'git',
    programs: /^git$/,
    form: ['config'],
    persistent: (p) =>
      has(p, '.git') ||
      last(p) === '.gitconfig' ||
      p.join('/').includes('.config/git/') ||
      p.join('/') === 'etc/gitconfig',
  },
  {
    reader: 'npm',
    programs: /^(npm|pnpm|yarn|npx|pnpx|corepack)$/,
    form: ['config'],
    persistent: (p) => /^(\.npmrc|\.yarnrc(\.yml)?|\.pnpmfile\.c?m?js)$/.test(last(p)),
    scripts: (p) => last(p) === 'package.json',
  },
  {
    reader: 'python',
    programs: /^(python[0-9.]*|pytest|py\.test)$/,
    form: ['-c'],
    persistent: (p) =>
      /^(sitecustomize|usercustomize)\.py$|\.pth$|^\.pythonstartup$|^\.pythonrc(\.py)?$/.test(last(p)) ||
      has(p, /^(site|dist)-packages$/),
    scripts: (p) =>
      /^(conftest\.py|pytest\.ini|\.pytest\.ini|pyproject\.toml|setup\.cfg|tox\.ini)$/.test(last(p)),
    // pytest reads those; `python3 app.py` does not.
    runner: (program, argv) =>
      /^(pytest|py\.test)$/.test(program) ||
      argv.some((a, i) => a === '-mpytest' || (a === '-m' && argv[i + 1] === 'pytest')),
  },
];

// A glob component may be any name it matches: `.gi?/config` is `.git/config`.
const SPECIAL = [
  '.git',
  '.gitconfig',
  '.npmrc',
  '.yarnrc',
  '.pnpmfile.cjs',
  'package.json',
  'sitecustomize.py',
];
function components(path: string): string[] {
  return lexicalPath(path)
    .split('/')
    .filter((c) => c !== '')
    .map((c) => {
      if (!/[*?[]/.test(c)) return c;
      const source = c
        .replace(/[.+^${}()|\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')
        .replace(/\[!/g, '[^');
      try {
        return SPECIAL.find((s) => new RegExp(`^${source}$`).test(s)) ?? c;
      } catch {
        return c;
      }
    });
}

/**
 * Under an allowlist: the first write of `scan` to a file an allowed program reads as code or
 * command-running configuration (see the module header), from every directory in `cwds`.
 */
export function configWrite(
  scan: Scan,
  allowed: readonly CommandRule[],
  cwds: readonly string[] | undefined,
  home: string,
  links?: LineLinks,
): Construct | undefined {
  const writes = pathRefs(scan.commands, scan.redirects).filter((r) => r.access === 'write');
  if (writes.length === 0) return undefined;
  const runs = scan.commands.flatMap((f) => [f.command, ...(f.command.via ?? [])]);
  const families = CONFIGS.filter((c) =>
    allowed.some((r) => SAMPLES.some((s) => c.programs.test(s) && r.program.test(s))),
  );
  for (const ref of writes) {
    const shown = ref.word.value.replace(/^~(?=\/|$)/, home);
    const bases = shown.startsWith('/') ? [shown] : (cwds ?? ['.']).map((c) => `${c}/${shown}`);
    const paths = new Set(
      bases.flatMap((b) => [b, resolveReal(lexicalPath(b)), ...viaLinks(lexicalPath(b), links)]),
    );
    // A relative name is also judged as written, whatever directory the line is in.
    paths.add(shown);
    for (const path of paths) {
      const parts = components(path);
      for (const c of families) {
        const running = runs.some(
          (r) => c.programs.test(r.program) && (c.runner?.(r.program, r.argv) ?? true),
        );
        const hit = c.persistent(parts) ? 'persistent' : running && c.scripts?.(parts) ? 'script' : undefined;
        if (!hit) continue;
        if (named(c, allowed)) continue;
        const what =
          hit === 'persistent'
            ? `which ${c.reader} reads as configuration or code on every later run`
            : `which ${c.reader} runs as the repository's scripts in this same line`;
        return {
          rule: 'runs-code',
          reason: `'${ref.text.slice(0, 80)}' writes '${ref.word.value}', ${what}: that runs code the policy cannot see; an allowedCommands entry naming the form ('${[c.reader === 'python' ? 'python3' : c.reader, ...c.form].join(' ')}') allows it`,
        };
      }
    }
  }
  return undefined;
}

// An allow entry for one of the family's programs that names its form (`git config`).
const named = (c: CodeConfig, allowed: readonly CommandRule[]) =>
  allowed.some(
    (r) =>
      SAMPLES.some((s) => c.programs.test(s) && r.program.test(s)) &&
      c.form.every((t, i) => r.tokens[i] === t),
  );

// Program names an allow rule is tested with to see whether a family is allowed.
const SAMPLES = ['git', 'npm', 'pnpm', 'yarn', 'npx', 'python', 'python3', 'pytest'];
