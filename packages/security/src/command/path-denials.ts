// A line's file words against the forbidden paths: each reference (path-refs.ts) resolved from every
// directory the line may be in, run-time words judged by their literal prefix, code that runs later
// (function bodies, aliases, traps) judged from anywhere, and lines the parser cannot read in a way
// that could hide a path (extended globs) refused.
import type { HomeBound } from './home-bound';
import { deferredPathDenial } from './identity';
import type { PathGuard } from './path-guard';
import { pathRefs } from './path-refs';
import { candidateCwds } from './real-paths';
import type { Construct, Scan } from './scan';

// `mkdir b && cd b`: a directory the line itself makes exists when its `cd` runs, so neither
// cdspell nor cdable_vars can send that `cd` elsewhere (matched as written).
function madeByLine(scan: Scan, dir: string): boolean {
  const want = dir.replace(/\/+$/, '');
  return scan.commands.some(
    (f) =>
      f.command.program === 'mkdir' &&
      f.words
        .slice(1)
        .some((w) => w.literal && !w.value.startsWith('-') && w.value.replace(/\/+$/, '') === want),
  );
}

/** The first file word of `scan` that reaches a forbidden path from the directories it may run in. */
export function judgePaths(scan: Scan, guard: PathGuard, cwd: string, home: string): Construct | undefined {
  if (guard.empty) return undefined;
  const refs = pathRefs(scan.commands, scan.redirects);
  const cwds = candidateCwds(cwd, scan.cds, home);
  let uncertain: Construct | undefined;
  for (const ref of refs) {
    const relative = !(ref.word.expanded ? ref.word.prefix : ref.word.value).startsWith('/');
    if (!cwds && relative && ref.word.value !== '') {
      return {
        rule: 'forbidden-path:unknown-cwd',
        reason: `a 'cd' to a directory that is not a literal makes '${ref.word.value}' in '${ref.text}' impossible to resolve; use a literal path`,
      };
    }
    // After a `cd` to an unknown directory, absolute paths are judged all the same.
    const hit = guard.hit(ref, cwds ?? []);
    // After a `cd` to a directory that does not exist now, a relative path is refused unless some
    // other reference is denied by name first (`cd`'s own operand is where it goes, judged above).
    if (
      hit === undefined &&
      relative &&
      cwds?.uncertain !== undefined &&
      !madeByLine(scan, cwds.uncertain) &&
      !/^(cd|pushd)\s/.test(ref.text)
    )
      uncertain ??= {
        rule: 'forbidden-path:unknown-cwd',
        reason: `'cd ${cwds.uncertain}' names a directory that does not exist now, so where it goes (cdspell, cdable_vars, CDPATH) and what '${ref.word.value}' in '${ref.text}' resolves to is unknown; use an absolute path`,
      };
    if (hit === 'unknown' || (hit === undefined && ref.word.expanded))
      return {
        rule: 'non-literal-path',
        reason: `'${ref.word.value}' in '${ref.text}' is only known at run time (or matches too many files), so whether it reaches a forbidden path cannot be checked; use a literal path`,
      };
    if (hit) {
      // "uses", not "reads": an operand not known to be written may be read, removed, moved…
      const verb = ref.access === 'write' ? 'writes' : 'uses';
      return {
        rule: `forbidden-path:${hit}`,
        reason: `'${ref.text}' ${verb} '${ref.word.value}', which is under the forbidden path ${hit}`,
      };
    }
  }
  return uncertain;
}

/** Function bodies, aliases and traps run wherever the shell is when they are used. */
export function deferredPaths(scan: Scan, bound: HomeBound): Construct | undefined {
  if (bound.forbidden.length === 0) return undefined;
  const refs = pathRefs(
    scan.commands.filter((f) => f.deferred),
    scan.redirects.filter((r) => r.deferred),
  );
  for (const ref of refs) {
    const denied = deferredPathDenial(ref.word, ref.text, ref.recursive, bound.forbidden);
    if (denied) return denied;
  }
  return undefined;
}

/**
 * bash with extglob on (an earlier command may have set it) reads `@(secret)` as a pattern where
 * the parser sees a word and a subshell; with forbidden paths set, such a line is not judged by
 * guesswork.
 */
export function extglobDenial(scan: Scan, guard: PathGuard, command: string): Construct | undefined {
  if (guard.empty || scan.parseErrors.length === 0 || !/[?*+@!]\(/.test(command)) return undefined;
  return {
    rule: 'forbidden-path:extglob',
    reason: `the command has an extended glob ('@(…)', '!(…)', '+(…)' …) the policy cannot parse, so whether it matches a forbidden path cannot be checked; name files literally`,
  };
}
