// Matching commands against `allowedCommands` / `deniedCommands` entries. An allow entry is a
// prefix: the program, then the first arguments in order (`git status` allows `git status -s`).
// A deny entry is a subset: the program, and each of its arguments anywhere, short flags matched
// letter by letter, so `rm -rf /` also denies `rm -f -r /` and `rm -fr --no-preserve-root /`.

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
  entries: readonly string[],
  expand: (entry: string) => string,
): CommandRule[] {
  return entries.map((entry, i) => {
    const [program = '', ...tokens] = expand(entry).trim().split(/\s+/);
    return {
      label: `${list}[${i}]: ${entry}`,
      program: glob(program),
      byPath: program.includes('/'),
      args: tokens.map(glob),
      tokens,
    };
  });
}

function programMatches(rule: CommandRule, inv: Invocation): boolean {
  return rule.program.test(rule.byPath ? (inv.programPath ?? inv.program) : inv.program);
}

/** The first allow rule `inv` matches (program, then argument prefix), or `undefined`. */
export function matchAllowed(rules: readonly CommandRule[], inv: Invocation): CommandRule | undefined {
  return rules.find(
    (rule) =>
      programMatches(rule, inv) &&
      rule.args.every((re, i) => inv.argv[i] !== undefined && re.test(inv.argv[i] as string)),
  );
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
