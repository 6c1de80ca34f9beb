// The symlinks a command line makes itself (`ln -s / r; rm -rf r/*`): a later command of the same
// line that names the link reaches its target, which does not exist as a link when the line is
// checked. Deny rules are matched through them (deny-forms.ts); forbidden paths judge the link's
// target where the link is made (path-refs.ts). Only literal `ln`/`link`/`cp -s` operands are
// known; a link made another way (`mv`, `tar`, an interpreter) is not (docs/security.md).
import { statSync } from 'node:fs';
import { type LineLinks, lexicalPath } from './deny-forms';
import type { FoundCommand } from './scan';

const isDirectory = (path: string) => {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    return false;
  }
};

/** How `ln`/`link`/`cp -s` arguments are laid out. */
export interface LinkArgs {
  /** Indexes (in the arguments) of the operands. */
  operands: number[];
  /** The directory given with `-t`/`--target-directory`, if any. */
  into?: string;
  /** `-n`/`-T`: a last operand naming a directory is not entered. */
  noDeref: boolean;
}

/**
 * The operands and target directory of `ln`/`cp -s` arguments (`argv` without the program):
 * options with values (`-t DIR`, `-tDIR`, `-st DIR`, `--target-directory[=]DIR`, `-S SUF`), and
 * `--` ending the options.
 */
export function linkArgs(argv: readonly string[]): LinkArgs {
  const out: LinkArgs = { operands: [], noDeref: false };
  let options = true;
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i] as string;
    if (!options || v === '-' || !v.startsWith('-')) {
      out.operands.push(i);
      continue;
    }
    if (v === '--') options = false;
    else if (v.startsWith('--')) {
      // getopt takes any unambiguous start of a long option (`--target d`, `--ta=d`).
      const eq = v.indexOf('=');
      const name = longOption(eq < 0 ? v : v.slice(0, eq));
      const value = eq < 0 ? undefined : v.slice(eq + 1);
      if (name === '--target-directory' || name === '--suffix') {
        const given = value ?? argv[++i];
        if (name === '--target-directory') out.into = given;
      } else if (name === '--no-dereference' || name === '--no-target-directory') out.noDeref = true;
    } else {
      // A cluster of short options: `t` and `S` take the rest of the word, or the next word.
      const at = v.slice(1).search(/[tS]/);
      const flags = at < 0 ? v.slice(1) : v.slice(1, at + 1);
      if (/[nT]/.test(flags)) out.noDeref = true;
      if (at >= 0) {
        const value = v.slice(at + 2) || argv[++i];
        if (v[at + 1] === 't') out.into = value;
      }
    }
  }
  return out;
}

// The long options of ln and cp that change where links go, with the shortest start of each that
// no other option of either program shares.
const LONG_OPTIONS: ReadonlyArray<[string, number]> = [
  ['--target-directory', 3],
  ['--suffix', 4],
  ['--no-target-directory', 6],
  ['--no-dereference', 6],
];

/** The long option `word` (an option as written, without `=value`) abbreviates, if one above. */
function longOption(word: string): string | undefined {
  return LONG_OPTIONS.find(([name, shortest]) => word.length >= shortest && name.startsWith(word))?.[0];
}

/** The links `commands` make, resolved from each directory in `cwds` (none when unknown). */
export function lineLinks(commands: readonly FoundCommand[], cwds: readonly string[] | undefined): LineLinks {
  const links = new Map<string, string>();
  for (const found of commands) {
    const { program, argv } = found.command;
    const symbolic = argv.some((a) => /^--symbolic/.test(a) || /^-[A-Za-z]*s/.test(a));
    if (!(program === 'ln' || program === 'link' || (program === 'cp' && symbolic))) continue;
    const words = found.words.slice(1);
    if (words.some((w) => !w.literal)) continue;
    const values = words.map((w) => w.value);
    const parsed = linkArgs(values);
    const operands = parsed.operands.map((i) => values[i] as string);
    const { into, noDeref } = parsed;
    // One operand and no directory: the link is made in the current directory, named as its target.
    const single = into === undefined && operands.length === 1;
    const targets = into === undefined && !single ? operands.slice(0, -1) : operands;
    const last = into ?? (single ? '.' : operands.at(-1));
    if (last === undefined || targets.length === 0) continue;
    for (const cwd of cwds ?? []) {
      const at = lexicalPath(last.startsWith('/') ? last : `${cwd}/${last}`);
      // `ln -s T DIR` (or `-t DIR`, several targets) makes DIR/<name of T>; without -n/-T an
      // existing directory (or a link to one) may be that DIR, so both readings are kept.
      const asDir =
        into !== undefined ||
        single ||
        targets.length > 1 ||
        (!noDeref && (last.endsWith('/') || isDirectory(at)));
      for (const target of targets) {
        const name = lexicalPath(target).split('/').pop() || target;
        for (const link of asDir
          ? [`${at}/${name}`, ...(into === undefined && !single && targets.length === 1 ? [at] : [])]
          : [at]) {
          const dir = link.slice(0, link.lastIndexOf('/')) || '/';
          links.set(link, lexicalPath(target.startsWith('/') ? target : `${dir}/${target}`));
        }
      }
    }
  }
  return links;
}
