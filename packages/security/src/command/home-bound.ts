// A policy's rules and forbidden paths with `~` bound to one home directory. Rules are compiled and
// forbidden paths resolved once per home (CommandPolicy caches them), not once per check.
import type { SecurityPolicy } from '../policy/schema';
import { normalRule } from './deny-forms';
import { PathGuard } from './path-guard';
import { resolveReal } from './real-paths';
import { type CommandRule, compileRules } from './rules';

/** The rules of a policy as they apply under one home directory. */
export interface HomeBound {
  allowed?: CommandRule[];
  denied: CommandRule[];
  /** The deny rules in normal form (deny-forms.ts), matched against invocations' normal forms. */
  deniedNormal: CommandRule[];
  paths: PathGuard;
  /** Forbidden paths as configured and resolved, for code that runs in an unknown directory. */
  forbidden: { configured: string; real: string }[];
}

/** Compiles `policy`'s rules and resolves its forbidden paths with `~` meaning `home`. */
export function bindHome(policy: SecurityPolicy, home: string): HomeBound {
  // `~` in rules means the home directory, which is how the command's words arrive.
  const expand = (rule: string) => rule.replace(/(^|\s)~(?=\/|\s|$)/g, `$1${home}`);
  const allowed = policy.allowedCommands;
  return {
    allowed: allowed && compileRules('allowedCommands', allowed, expand),
    denied: compileRules('deniedCommands', policy.deniedCommands, expand),
    deniedNormal: compileRules('deniedCommands', policy.deniedCommands, (e) => normalRule(expand(e))),
    paths: new PathGuard(policy.forbiddenPaths, home),
    forbidden: policy.forbiddenPaths.map((configured) => ({
      configured,
      real: resolveReal(
        configured === '~' || configured.startsWith('~/') ? home + configured.slice(1) : configured,
      ),
    })),
  };
}

/**
 * `text` (a denial's reason) with every path under the home directory `home` written with `~`
 * (`~/x/key`, as the caller wrote it or could have): the words of a command are judged with `~`
 * and `$HOME` expanded, so reasons that quote them (a forbidden or unknown path, a denied or
 * unlisted command, an option an allowlist entry refuses, a program's path) would otherwise name
 * the server's home directory to remote callers.
 */
export function tildeHomeIn(text: string, home: string): string {
  const dir = home.replace(/\/+$/, '');
  if (!dir.startsWith('/')) return text;
  const escaped = dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // A path starts a word (after a space, quote, `=`, `:` or `(`) and ends at `/` or a word's end.
  return text.replace(new RegExp(`(^|[\\s'"=:(])${escaped}(?=$|[/\\s'"),;:])`, 'g'), '$1~');
}
