// A simple command against the policy's command rules: the denylist (every wrapper layer, the
// command with its brace alternatives, guesses through unsupported wrappers, and each of these in
// canonical and normal form), what could hide a denied command from it, and the allowlist (every
// layer must match an entry, and a program given by path must be the system's).
import { canonicalForms } from './canonical';
import { normalForms } from './deny-forms';
import type { HomeBound } from './home-bound';
import { isSystemProgram } from './identity';
import { laterWordTails } from './later-words';
import { type CommandRule, type Invocation, matchAllowed, matchDenied } from './rules';
import type { Construct, FoundCommand } from './scan';

/** The command as the denial names it: program and arguments, cut at 120 characters. */
function describe(inv: { program: string; argv: string[] }): string {
  return [inv.program, ...inv.argv].join(' ').slice(0, 120);
}

/**
 * The denylist, and what could hide a denied command from it: a non-literal program name, or a
 * non-literal argument to a program a rule with arguments is about (`rm -rf $(echo /)`). `cwds`
 * are the directories the line may run in, for deny rules about `.` or `*` (`cd / && rm -rf .`).
 */
export function denylisted(
  found: FoundCommand,
  bound: HomeBound,
  cwds: readonly string[] | undefined,
  home: string,
): Construct | undefined {
  const rules = bound.denied;
  const alternatives = found.words.slice(1).flatMap((w) => w.alternatives ?? []);
  const own: Invocation = { ...found.command, argv: [...found.command.argv, ...alternatives] };
  // A wrapper the policy does not model may run any later word (later-words.ts).
  const later = laterWordTails(found.command.program, found.words, [...rules, ...bound.deniedNormal]);
  const invocations = [...(found.command.via ?? []), own, ...found.guesses, ...later];
  const normal = invocations.flatMap((inv) => normalForms(inv, cwds, home));
  const forms = [
    ...invocations.map((inv) => ({ inv, rules })),
    ...invocations.flatMap(canonicalForms).map((inv) => ({ inv, rules })),
    ...normal.map((inv) => ({ inv, rules: bound.deniedNormal })),
  ];
  for (const { inv, rules } of forms) {
    const denied = matchDenied(rules, inv);
    if (denied)
      return {
        rule: denied.label,
        reason: `'${describe(inv)}' in '${found.command.text}' matches a denied command`,
      };
  }
  if (rules.length === 0) return undefined;
  if (!found.words[0]?.literal)
    return {
      rule: 'non-literal-command',
      reason: `the command name '${found.command.programPath}' in '${found.command.text}' is not a literal word, so it could be a denied command`,
    };
  const dynamic = found.words.slice(1).find((w) => w.expanded);
  const about =
    dynamic && rules.find((r) => r.args.length > 0 && matchDenied([{ ...r, args: [], tokens: [] }], own));
  if (dynamic && about)
    return {
      rule: `non-literal-argument: ${about.label}`,
      reason: `'${dynamic.value}' in '${found.command.text}' is only known at run time and could complete the denied command '${about.label.replace(/^[^:]*: /, '')}'; use literal arguments`,
    };
  return undefined;
}

/**
 * The allowlist: `inv`, one layer of `found` (capabilities.ts `layers`), must match an entry that
 * allows it. `cwds` are the directories the line may run in, to tell a system program from `./cat`.
 */
export function notAllowed(
  allowed: readonly CommandRule[],
  found: FoundCommand,
  inv: Invocation,
  cwds: readonly string[] | undefined,
): Construct | undefined {
  // The command itself is judged with its words, so run-time arguments are known as such.
  const words = inv === found.command ? { words: found.words.slice(1) } : {};
  const match = matchAllowed(allowed, { ...inv, ...words });
  if (match.kind === 'none')
    return {
      rule: 'allowedCommands: no match',
      reason: `'${describe(inv)}' in '${found.command.text}' is not in allowedCommands`,
    };
  if (match.kind === 'refused' && match.code)
    return { rule: match.code, reason: `'${describe(inv)}' in '${found.command.text}': ${match.why}` };
  if (match.kind === 'refused')
    return {
      rule: `${match.rule.label}: refused`,
      reason: `'${describe(inv)}' in '${found.command.text}' matches ${match.rule.label}, which ${match.why}`,
    };
  // `./cat` is whatever file is there (a copied curl, say): a rule naming `cat` stands for
  // the system's programs only.
  const path = inv.programPath;
  if (path?.includes('/') && !match.rule.byPath && !isSystemProgram(path, cwds))
    return {
      rule: 'allowedCommands: program path',
      reason: `'${path}' in '${found.command.text}' is not in the system's program directories, so it is not the '${inv.program}' that ${match.rule.label} allows; run programs by name`,
    };
  return undefined;
}
