// Matching commands against `allowedCommands` / `deniedCommands` entries. An allow entry is a
// prefix: the program, then the first arguments in order (`git status` allows `git status -s`).
// A deny entry is a subset: the program, and each of its arguments anywhere, short flags matched
// letter by letter, so `rm -rf /` also denies `rm -f -r /` and `rm -fr --no-preserve-root /`.
// An allow entry may also name options it does not allow (`git log` without `--output`) or
// require the arguments to be exactly its own (`make test` and nothing more).
import type { AllowRule } from '../policy/schema';

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
  /** Only entries that refuse one of its options (or its extra arguments) match. */
  | { kind: 'refused'; rule: CommandRule; why: string }
  | { kind: 'none' };

/** The first allow rule `inv` matches (program, argument prefix, no denied option). */
export function matchAllowed(rules: readonly CommandRule[], inv: Invocation): AllowMatch {
  let refused: AllowMatch = { kind: 'none' };
  for (const rule of rules) {
    if (!programMatches(rule, inv)) continue;
    if (!rule.args.every((re, i) => inv.argv[i] !== undefined && re.test(inv.argv[i] as string))) continue;
    const rest = inv.argv.slice(rule.args.length);
    if (rule.exact && rest.length > 0) {
      if (refused.kind === 'none')
        refused = { kind: 'refused', rule, why: `takes no further arguments ('${rest[0]}')` };
      continue;
    }
    const option = rule.deniedOptions.find((d) => rest.some((a) => givesOption(a, d)));
    if (option === undefined) return { kind: 'allowed', rule };
    if (refused.kind === 'none')
      refused = { kind: 'refused', rule, why: `does not allow the option ${option}` };
  }
  return refused;
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
