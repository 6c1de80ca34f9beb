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

// ln's and cp's options that take the next word as their value.
const VALUED = new Set(['-t', '--target-directory', '-S', '--suffix']);

/** The links `commands` make, resolved from each directory in `cwds` (none when unknown). */
export function lineLinks(commands: readonly FoundCommand[], cwds: readonly string[] | undefined): LineLinks {
  const links = new Map<string, string>();
  for (const found of commands) {
    const { program, argv } = found.command;
    const symbolic = argv.some((a) => /^--symbolic/.test(a) || /^-[A-Za-z]*s/.test(a));
    if (!(program === 'ln' || program === 'link' || (program === 'cp' && symbolic))) continue;
    const words = found.words.slice(1);
    if (words.some((w) => !w.literal)) continue;
    const operands: string[] = [];
    let into: string | undefined;
    let noDeref = false;
    for (let i = 0; i < words.length; i++) {
      const v = words[i]?.value as string;
      if (VALUED.has(v)) {
        if (v === '-t' || v === '--target-directory') into = words[i + 1]?.value;
        i++;
      } else if (v.startsWith('--target-directory=')) into = v.slice(19);
      else if (/^-[A-Za-z]*[nT]/.test(v) || v === '--no-dereference' || v === '--no-target-directory')
        noDeref = true;
      else if (!v.startsWith('-') || v === '-') operands.push(v);
    }
    const targets = into === undefined ? operands.slice(0, -1) : operands;
    const last = into ?? operands.at(-1);
    if (last === undefined || targets.length === 0) continue;
    for (const cwd of cwds ?? []) {
      const at = lexicalPath(last.startsWith('/') ? last : `${cwd}/${last}`);
      // `ln -s T DIR` (or `-t DIR`, several targets) makes DIR/<name of T>; without -n/-T an
      // existing directory (or a link to one) may be that DIR, so both readings are kept.
      const asDir =
        into !== undefined || targets.length > 1 || (!noDeref && (last.endsWith('/') || isDirectory(at)));
      for (const target of targets) {
        const name = lexicalPath(target).split('/').pop() || target;
        for (const link of asDir
          ? [`${at}/${name}`, ...(into === undefined && targets.length === 1 ? [at] : [])]
          : [at]) {
          const dir = link.slice(0, link.lastIndexOf('/')) || '/';
          links.set(link, lexicalPath(target.startsWith('/') ? target : `${dir}/${target}`));
        }
      }
    }
  }
  return links;
}
