// Under an allowlist a rule naming `cat` stands for the system's `cat` (identity.ts); a command
// that writes into a directory programs are looked up in (`cp /usr/bin/curl /usr/local/bin/cat`)
// would make a later, allowed `cat` run something else. So writes — `cp`/`mv`/`ln`/`install`
// targets, `tee`, `dd of=`, redirections (path-refs.ts) — into the system program directories,
// into one of the checker's absolute PATH directories, or onto a parent of a system program
// directory (`cp -r bin /usr/local`) are refused. A target whose directory is known only at run
// time (`"$D"/cat`, or `cat` after `cd "$D"`) cannot be placed: it is refused when its last
// component, as written, is the name of a program in one of those directories, since `$D` may be
// one of them. A target that is all run time (`> "$f"`) is left to the forbidden-path check.
import { statSync } from 'node:fs';
import { SYSTEM_PROGRAM_DIRS } from './identity';
import { pathRefs } from './path-refs';
import { resolveReal } from './real-paths';
import type { Construct, Scan } from './scan';
import type { WordValue } from './words';

function under(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}

// The directories a bare command name is looked up in: the system's, and the checker's PATH.
function programDirs(): { system: string[]; all: string[] } {
  const system = [...new Set(SYSTEM_PROGRAM_DIRS.flatMap((d) => [d, resolveReal(d)]))];
  const path = (process.env.PATH ?? '').split(':').filter((d) => d.startsWith('/') && d !== '/');
  return { system, all: [...new Set([...system, ...path, ...path.map(resolveReal)])] };
}

/** Under an allowlist: the first write into a program directory (see the module header). */
export function programDirWrite(
  scan: Scan,
  cwds: readonly string[] | undefined,
  home: string,
): Construct | undefined {
  const writes = pathRefs(scan.commands, scan.redirects).filter((r) => r.access === 'write');
  if (writes.length === 0) return undefined;
  const dirs = programDirs();
  for (const ref of writes) {
    const shown = (ref.word.expanded ? ref.word.prefix : ref.word.value).replace(/^~(?=\/|$)/, home);
    const absolute = shown.startsWith('/');
    if (!absolute && (cwds === undefined || ref.word.expanded)) {
      const named = programNamed(ref.word, dirs.all);
      if (named)
        return {
          rule: 'program-directory',
          reason: `'${ref.text.slice(0, 80)}' writes '${ref.word.value}', whose directory is only known at run time and may be the program directory ${named}; write to a literal path`,
        };
      continue;
    }
    const targets = absolute ? [shown] : (cwds ?? []).map((c) => `${c}/${shown}`);
    for (const target of targets) {
      const real = resolveReal(target.replace(/\/+$/, '') || '/');
      const into = dirs.all.find((d) => under(real, d));
      const above = dirs.system.find((d) => under(d, real));
      const dir = into ?? above;
      if (dir)
        return {
          rule: 'program-directory',
          reason: `'${ref.text.slice(0, 80)}' writes '${ref.word.value}' ${into ? 'into' : 'over'} the program directory ${dir}, which would change what an allowed command name runs`,
        };
    }
  }
  return undefined;
}

// The program directory holding a program named as `word`'s last component, when that component
// is literal and the word's directory is not; undefined otherwise.
function programNamed(word: WordValue, dirs: readonly string[]): string | undefined {
  const name = word.value.slice(word.value.lastIndexOf('/') + 1);
  // The name must be literal: after the last run-time part (`$D/cat`), or the whole word (`cat`).
  const literal = word.literal || !/[$`*?[{]/.test(name);
  if (!literal || name === '' || name === '.' || name === '..') return undefined;
  return dirs.find((dir) => isFile(`${dir}/${name}`));
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
