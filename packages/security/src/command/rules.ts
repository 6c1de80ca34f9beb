// Matching commands against `allowedCommands` / `deniedCommands` entries. An allow entry is a
// prefix: the program, then the first arguments in order (`git status` allows `git status -s`).
// A deny entry is a subset: the program, and each of its arguments anywhere, short flags matched
// letter by letter, so `rm -rf /` also denies `rm -f -r /` and `rm -fr --no-preserve-root /`.
// An allow entry may also name options it does not allow (`git log` without `--output`) or
// require the arguments to be exactly its own (`make test` and nothing more).
import type { AllowRule } from '../policy/schema';
import { type CodeForm, codeForms } from './code-forms';
import { type ParsedArgs, parseArgs } from './programs';
import { literalWord, mayBeOption, type WordValue } from './words';

/** A compiled command rule. */
export interface CommandRule {
  /** `deniedCommands[2]: rm -rf /` — how the rule is named in decisions. */
  label: string;
  program: RegExp;
  /** True when the program token names a path (`/usr/bin/git`) and matches the path as written. */
  byPath: boolean;
  args: RegExp[];
  /** The raw argument tokens, for short-flag matching. */
  tokens: string[];
  /** Options that make an allow entry not match (`--output`, `-o`, `-exec`). */
  deniedOptions: string[];
  /** The command's arguments must be exactly the entry's. */
  exact: boolean;
}

/** What a rule is matched against: a command or a wrapper layer. */
export interface Invocation {
  program: string;
  programPath?: string;
  argv: string[];
  /** The arguments as words (which of them are known only at run time), when known. */
  words?: readonly WordValue[];
}

// `*` matches within one path component, so `rm -rf /*` covers `/usr` but not `/tmp/build`; a
// token also matches itself, so it covers the unexpanded glob `/*` too.
function glob(token: string): RegExp {
  const source = token.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*');
  return new RegExp(`^(?:${source}|${token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')})$`, 's');
}

/**
 * Compiles the entries of `allowedCommands` or `deniedCommands`; `expand` rewrites an entry
 * before matching (the label keeps the entry as configured).
 */
export function compileRules(
  list: string,
  entries: readonly AllowRule[],
  expand: (entry: string) => string,
): CommandRule[] {
  return entries.map((entry, i) => {
    const command = typeof entry === 'string' ? entry : entry.command;
    const [program = '', ...tokens] = expand(command).trim().split(/\s+/);
    return {
      label: `${list}[${i}]: ${command}`,
      program: glob(program),
      byPath: program.includes('/'),
      args: tokens.map(glob),
      tokens,
      deniedOptions: typeof entry === 'string' ? [] : entry.deniedOptions,
      exact: typeof entry === 'string' ? false : entry.exact,
    };
  });
}

/**
 * Whether `arg` gives the option `denied`: a one-letter `-o` anywhere in a cluster (`-mo`);
 * a longer name with one or two dashes, with a value (`--output=x`, `-exec=x`) or a suffix
 * (`-fprint0`), or abbreviated as GNU and git accept (`--out`).
 */
export function givesOption(arg: string, denied: string): boolean {
  if (!arg.startsWith('-') || arg === '-' || arg === '--') return false;
  const want = denied.replace(/^--?/, '');
  if (want.length === 1 && !denied.startsWith('--'))
    return !arg.startsWith('--') && arg.slice(1).includes(want);
  const name = arg.replace(/^--?/, '').split('=')[0] ?? '';
  return name.startsWith(want) || (arg.startsWith('--') && name.length > 0 && want.startsWith(name));
}

function programMatches(rule: CommandRule, inv: Invocation): boolean {
  return rule.program.test(rule.byPath ? (inv.programPath ?? inv.program) : inv.program);
}

/** How an invocation fares against the allow rules. */
export type AllowMatch =
  | { kind: 'allowed'; rule: CommandRule }
  /**
   * Only entries that refuse one of its options (or its extra arguments) match; `code` names a
   * code-running form (code-forms.ts) no matching entry names.
   */
  | { kind: 'refused'; rule: CommandRule; why: string; code?: CodeForm['rule'] }
  | { kind: 'none' };

// Whether `tokens` holds `seq` as consecutive tokens: the entry names that form (`python3 -c`).
function names(tokens: readonly string[], seq: readonly string[]): boolean {
  if (seq.length === 0) return false;
  return tokens.some((_, i) => seq.every((t, k) => tokens[i + k] === t));
}

// Every spelling of option `denied` in `parsed`'s alias table: short letters and long names.
function spellingsOf(parsed: ParsedArgs, denied: string): { short: Set<string>; long: Set<string> } {
  const want = denied.replace(/^--?/, '');
  const short = new Set<string>();
  const long = new Set<string>();
  (want.length === 1 && !denied.startsWith('--') ? short : long).add(want);
  for (const [k, v] of Object.entries(parsed.aliases)) {
    if (k !== want && v !== want) continue;
    for (const n of [k, v]) (n.length === 1 ? short : long).add(n);
  }
  return { short, long };
}

// `denied` given as the program parses its options, from word `from` on: in a cluster, with a
// value, abbreviated (`--out`), or as its other spelling (`-O` for `--open-files-in-pager`).
function givenParsed(parsed: ParsedArgs, denied: string, from: number): boolean {
  const { short, long } = spellingsOf(parsed, denied);
  return parsed.options.some((o) => {
    if ((o.index ?? 0) < from) return false;
    if (o.name.length === 1) return short.has(o.name);
    return [...long].some((l) => o.name.startsWith(l) || l.startsWith(o.name));
  });
}

interface Judged {
  args: readonly WordValue[];
  parsed?: ParsedArgs | undefined;
  forms?: CodeForm[];
}

function refusal(
  rule: CommandRule,
  inv: Invocation,
  j: Judged,
): Omit<Extract<AllowMatch, { kind: 'refused' }>, 'rule' | 'kind'> | undefined {
  const rest = inv.argv.slice(rule.args.length);
  if (rule.exact && rest.length > 0) return { why: `takes no further arguments ('${rest[0]}')` };
  const option = rule.deniedOptions.find((d) =>
    j.parsed ? givenParsed(j.parsed, d, rule.args.length) : rest.some((a) => givesOption(a, d)),
  );
  if (option !== undefined) return { why: `does not allow the option ${option}` };
  if (rule.deniedOptions.length > 0) {
    const end = j.parsed?.optionsEnd ?? j.args.length;
    const values = new Set(j.parsed?.options.flatMap((o) => (o.valueAt ? [o.valueAt.index] : [])) ?? []);
    const dynamic = j.args.find(
      (w, i) => i >= rule.args.length && i < end && !values.has(i) && mayBeOption(w),
    );
    if (dynamic)
      return {
        why: `refuses options (${rule.deniedOptions.join(', ')}) and '${dynamic.value}' is only known at run time, so it could be one of them; use literal arguments`,
      };
  }
  j.forms ??= codeForms(inv.program, j.args);
  const unnamed = j.forms.find((f) => !f.names.some((n) => names(rule.tokens, n)));
  if (unnamed) {
    const example = unnamed.names[0] ? `'${[inv.program, ...unnamed.names[0]].join(' ')}'` : undefined;
    const how = example ? `; an allowedCommands entry naming the form, such as ${example}, allows it` : '';
    return { why: `${unnamed.what}${how}`, code: unnamed.rule };
  }
  return undefined;
}

/**
 * The first allow rule `inv` matches: program, argument prefix, none of its denied options (read
 * by the program's grammar where programs.ts has one), and no code-running form it does not name.
 */
export function matchAllowed(rules: readonly CommandRule[], inv: Invocation): AllowMatch {
  let refused: AllowMatch = { kind: 'none' };
  const args = inv.words ?? inv.argv.map(literalWord);
  const judged: Judged = { args, parsed: parseArgs(inv.program, args) };
  const matching = rules.filter(
    (rule) =>
      programMatches(rule, inv) &&
      rule.args.every((re, i) => inv.argv[i] !== undefined && re.test(inv.argv[i] as string)),
  );
  for (const rule of matching) {
    const naming = rules.filter((r) => programMatches(r, inv));
    const why = refusal(rule, inv, judged) ?? refusedElsewhere(matching, naming, inv, judged);
    if (!why) return { kind: 'allowed', rule };
    if (refused.kind === 'none') refused = { kind: 'refused', rule, ...why };
  }
  return refused;
}

// An option some matching entry refuses is refused whichever entry matches, so a broader entry
// (`npm test`, `git`) does not cancel a narrower entry's refusal (`npm test` without
// `--node-options`) — unless an entry for the program names the option in its own command
// (`npm test --node-options`).
function refusedElsewhere(
  matching: readonly CommandRule[],
  naming: readonly CommandRule[],
  inv: Invocation,
  j: Judged,
): { why: string } | undefined {
  for (const owner of matching) {
    for (const d of owner.deniedOptions) {
      const from = owner.args.length;
      const given = j.parsed
        ? givenParsed(j.parsed, d, from)
        : inv.argv.slice(from).some((a) => givesOption(a, d));
      if (!given || naming.some((r) => r.tokens.some((t) => givesOption(t, d)))) continue;
      return { why: `does not allow the option ${d} (refused by ${owner.label})` };
    }
  }
  return undefined;
}

const SHORT_CLUSTER = /^-[A-Za-z0-9]+$/;

/** The first deny rule `inv` matches (program, and every rule argument somewhere), or `undefined`. */
export function matchDenied(rules: readonly CommandRule[], inv: Invocation): CommandRule | undefined {
  const letters = new Set(inv.argv.filter((a) => SHORT_CLUSTER.test(a)).flatMap((a) => [...a.slice(1)]));
  return rules.find(
    (rule) =>
      programMatches(rule, inv) &&
      rule.args.every((re, i) => {
        const token = rule.tokens[i] as string;
        if (SHORT_CLUSTER.test(token) && !token.includes('*'))
          return [...token.slice(1)].every((c) => letters.has(c));
        return inv.argv.some((a) => re.test(a));
      }),
  );
}
