// protectShellIntegration's verdict on a line: what names orchflow's shell integration (assigning
// or declaring its variables, the findings of hook-tree.ts and hook-builtins.ts) and file words
// that reach a process's memory (hook-memory.ts). `certain` findings are judged first, before any
// other rule; names only known at run time are judged last, so rules that already refuse them keep
// their own reason.
import { hookFinding } from './hook-findings';
import { memoryPathFindings } from './hook-memory';
import { isHookVariable } from './hook-names';
import { lineLinks } from './line-links';
import { pathRefs } from './path-refs';
import { candidateCwds } from './real-paths';
import type { Construct, Scan } from './scan';

/** The first hook finding of `scan` that is (or is not) `certain`. */
export function hookDenial(scan: Scan, certain: boolean): Construct | undefined {
  if (certain) {
    const named = scan.assignments.find((a) => isHookVariable(a.name));
    if (named) return hookFinding(named.text, `assigns or declares ${named.name}`, true);
  }
  const found = scan.hooks.find((h) => h.certain === certain);
  return found && { rule: found.rule, reason: found.reason };
}

/**
 * File words that reach a process's memory (/proc/<pid>/mem) from the directories the line may be
 * in or through symlinks; the line's text is judged by scan.hooks.
 */
export function memoryDenial(scan: Scan, cwd: string, home: string, certain: boolean): Construct | undefined {
  const refs = pathRefs(scan.commands, scan.redirects);
  const cwds = candidateCwds(cwd, scan.cds, home);
  const found = memoryPathFindings(refs, cwds, lineLinks(scan.commands, cwds)).find(
    (f) => f.certain === certain,
  );
  return found && { rule: found.rule, reason: found.reason };
}
