// A simple command against the policy's command rules: the denylist (every wrapper layer, the
// command with its brace alternatives, guesses through unsupported wrappers, and each of these in
// canonical and normal form), what could hide a denied command from it, and the allowlist (every
// layer must match an entry, and a program given by path must be the system's).
import { canonicalForms, deviceWrite } from './canonical';
import { type LineLinks, normalForms } from './deny-forms';
import { dashFreeGlob } from './glob-options';
import type { HomeBound } from './home-bound';
import { isSystemProgram } from './identity';
import { laterWordTails } from './later-words';
import { type CommandRule, type Invocation, matchAllowed, matchDenied } from './rules';
import type { Construct, FoundCommand, Redirect } from './scan';
import type { WordValue } from './words';

const literalRules = (rules: readonly CommandRule[]) =>
  rules.filter((r) => !r.tokens.some((t) => /[*?[]/.test(t)));

/** The command as the denial names it: program and arguments, cut at 120 characters. */
function describe(inv: { program: string; argv: string[] }): string {
  return [inv.program, ...inv.argv].join(' ').slice(0, 120);
}

/**
 * The denylist, and what could hide a denied command from it: a non-literal program name, or a
 * non-literal argument to a program a rule with arguments is about (`rm -rf $(echo /)`). `cwds`
 * are the directories the line may run in, for deny rules about `.` or `*` (`cd / && rm -rf .`);
 * `links` the symlinks the line makes (`ln -s / r; rm -rf r/*`).
 */
export function denylisted(
  found: FoundCommand,
  bound: HomeBound,
  cwds: readonly string[] | undefined,
  home: string,
  links?: LineLinks,
): Construct | undefined {
  const rules = bound.denied;
  const alternatives = found.words.slice(1).flatMap((w) => w.alternatives ?? []);
  const own: Invocation = { ...found.command, argv: [...found.command.argv, ...alternatives] };
  // A wrapper the policy does not model may run any later word (later-words.ts).
  const later = laterWordTails(found.command.program, found.words, [...rules, ...bound.deniedNormal]);
  const invocations = [...(found.command.via ?? []), own, ...found.guesses, ...later];
  const normal = invocations.flatMap((inv) => normalForms(inv, cwds, home, links));
  const forms = [
    ...invocations.map((inv) => ({ inv, rules })),
    // Canonical forms of the normal ones too: `cd /dev && tee sda` writes /dev/sda.
    ...[...invocations, ...normal].flatMap(canonicalForms).map((inv) => ({ inv, rules })),
    // A directory's contents (`~/*` as `~`) meet only rules that name the directory literally.
    ...normal.map((inv) => ({
      inv,
      rules: inv.contents ? literalRules(bound.deniedNormal) : bound.deniedNormal,
    })),
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
  resolveGlobs = false,
): Construct | undefined {
  // The command itself is judged with its words, so run-time arguments are known as such; globs
  // whose matches start with no `-` are not options (glob-options.ts).
  const resolved = (w: WordValue) => (resolveGlobs && dashFreeGlob(w, cwds) ? { ...w, dashFree: true } : w);
  const words = inv === found.command ? { words: found.words.slice(1).map(resolved) } : {};
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

/**
 * A redirection that writes a device holding data (`echo x > /dev/sda`, `>/dev/nvme0n1` from
 * `cd /dev`, through a link the line makes) matched as `dd of=/dev/<name>` against the denylist;
 * a target whose literal part is under /dev but whose rest is known only at run time is refused
 * when a rule is about `dd`.
 */
export function redirectDenied(
  r: Redirect,
  bound: HomeBound,
  cwds: readonly string[] | undefined,
  home: string,
  links?: LineLinks,
): Construct | undefined {
  if (!/^(>|>>|&>|&>>|>\||<>|>&)$/.test(r.op) || bound.denied.length === 0) return undefined;
  if (r.op === '>&' && /^(\d+|-)$/.test(r.target.value)) return undefined;
  const written = r.target.expanded ? r.target.prefix : r.target.value;
  const tee: Invocation = { program: 'tee', argv: [written] };
  const forms = [tee, ...normalForms(tee, cwds, home, links)];
  if (r.target.expanded) {
    const device = forms
      .map((f) => f.argv[0] ?? '')
      .find((p) => p.startsWith('/dev/') && deviceWrite(`${p}x`));
    const about = bound.denied.find((rule) => rule.program.test('dd'));
    if (device !== undefined && about)
      return {
        rule: `non-literal-argument: ${about.label}`,
        reason: `the redirection target '${r.target.value}' in '${r.text}' is only known at run time and could be a device the denied command '${about.label.replace(/^[^:]*: /, '')}' is about; use a literal path`,
      };
    return undefined;
  }
  for (const inv of forms.flatMap(canonicalForms)) {
    const denied = matchDenied(bound.denied, inv);
    if (denied)
      return {
        rule: denied.label,
        reason: `'${r.text}' writes '${r.target.value}', which is '${describe(inv)}', a denied command`,
      };
  }
  return undefined;
}
