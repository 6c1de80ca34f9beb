// The order in which a scan of one command line is judged. Parse errors, assignments, what names
// orchflow's shell integration, evaluated strings, then each simple command in source order
// (denylist, constructs that cannot be judged, allowlist, capabilities), then redirections,
// background jobs, paths, and last the run-time names that could reach the shell integration. The
// first failure decides; its rule and the part of the command it concerns are reported. Under an
// allowlist everything that cannot be judged is refused (fail closed); under a denylist, what could
// hide a denied command or argument is refused too.
import type { SecurityPolicy } from '../policy/schema';
import { assignmentDenial } from './assignments';
import { shadowingFunction } from './builtins';
import {
  lackingCapability,
  lackingForBackground,
  lackingForRedirect,
  layers,
  networkDeviceUse,
} from './capabilities';
import { configWrite } from './config-writes';
import { HEREDOC_RULE } from './expansions';
import { namesDashFiles } from './glob-options';
import type { HomeBound } from './home-bound';
import { hookDenial, memoryDenial } from './hook-denials';
import { lineLinks } from './line-links';
import { deferredPaths, judgePaths } from './path-denials';
import { programDirWrite } from './program-dirs';
import { localPythonPath } from './python-path';
import { candidateCwds } from './real-paths';
import { denylisted, notAllowed, redirectDenied } from './rule-denials';
import type { Construct, Scan } from './scan';
import { rewritesLines } from './shell-state';
import { SPLIT_WORD_RULE } from './word-gaps';

// Unsure parses refused wherever anything is protected (see judge()), and changes to how the shell
// reads later lines that make it run other text than the one judged (shell-state.ts).
const HIDING_RULES: ReadonlySet<string> = new Set([SPLIT_WORD_RULE, HEREDOC_RULE]);
const hides = (rule: string): boolean => HIDING_RULES.has(rule) || rewritesLines(rule);

/** What one check judges a scan by. */
export interface JudgeContext {
  policy: SecurityPolicy;
  /** The policy's rules and forbidden paths under this check's home directory. */
  bound: HomeBound;
  /** Names whose assignment is denied, as name globs (see CommandPolicy). */
  dangerous: readonly RegExp[];
  /** The directory the line starts in. */
  cwd: string;
  home: string;
}

/** The first denial of `scan` in the order of the module header, or `undefined` when it may run. */
export function judge(scan: Scan, ctx: JudgeContext): Construct | undefined {
  const { policy, bound, cwd, home } = ctx;
  const strict = bound.allowed !== undefined;
  const caps = policy.capabilities;
  const networkDenied = policy.networkPolicy === 'deny';
  const protectHooks = policy.protectShellIntegration;
  const firstError = scan.parseErrors[0];
  if (strict && firstError !== undefined) {
    return {
      rule: 'parse-error',
      reason: `the command could not be parsed as bash (near ${firstError}); fix the syntax`,
    };
  }
  const cwds = candidateCwds(cwd, scan.cds, home);
  for (const assignment of scan.assignments) {
    const denied = assignmentDenial(assignment, strict, ctx.dangerous);
    if (denied && !localPythonPath(assignment, bound.paths, cwds)) return denied;
  }
  const hooks = protectHooks ? (hookDenial(scan, true) ?? memoryDenial(scan, cwd, home, true)) : undefined;
  if (hooks) return hooks;
  const hazard = scan.hazards[0];
  if (strict && hazard) return hazard;
  // Where the parse may differ from bash's, a denied command or path could hide.
  // A word the parser split, or lines a heredoc it could not end swallowed, hide what they hold
  // from every rule, the memory check's included.
  const unsure = scan.unsure.find(
    (u) => strict || bound.denied.length > 0 || !bound.paths.empty || (protectHooks && hides(u.rule)),
  );
  if (unsure) return unsure;
  // The directories the line may run in, for deny rules about `.` or `*` (`cd / && rm -rf .`).
  const denyCwds = bound.denied.length > 0 ? candidateCwds(cwd, scan.cds, home) : [];
  const links = bound.denied.length > 0 ? lineLinks(scan.commands, denyCwds) : undefined;
  // Globs among options are resolved unless the line may make a file named like an option.
  const resolveGlobs = strict && !namesDashFiles(scan);
  for (const found of scan.commands) {
    const denied = denylisted(found, bound, denyCwds, home, links);
    if (denied) return denied;
    if (strict && found.construct) return found.construct;
    // Every call is judged by its name, also when a function of that name is defined: the
    // function's body is judged on its own, and `command rm` or `/bin/rm` would skip it.
    for (const inv of bound.allowed ? layers(found) : []) {
      const refused = notAllowed(bound.allowed ?? [], found, inv, cwds, resolveGlobs);
      if (refused) return refused;
    }
    for (const inv of layers(found)) {
      const lacking = lackingCapability(inv, caps, networkDenied);
      if (lacking) return lacking;
    }
  }
  // A redirection onto a device is `dd of=` that device.
  for (const r of scan.redirects) {
    const denied = redirectDenied(r, bound, r.deferred ? undefined : denyCwds, home, links);
    if (denied) return denied;
  }
  // Aliases and `hash -p` names as later uses run them (run-time arguments appended).
  for (const probe of scan.probes) {
    const denied = denylisted(probe, bound, denyCwds, home, links);
    if (denied) return denied;
  }
  const shadow =
    bound.allowed &&
    shadowingFunction(scan.functions, (name) => (bound.allowed ?? []).some((r) => r.program.test(name)));
  if (shadow) return shadow;
  if (!caps.canNetwork || networkDenied) {
    const device = networkDeviceUse(scan);
    if (device) return device;
  }
  for (const r of scan.redirects) {
    const lacking = lackingForRedirect(r, caps);
    if (lacking) return lacking;
  }
  const background = lackingForBackground(scan.background, caps);
  if (background) return background;
  // Under an allowlist a name stands for the system's program: its directories are not written.
  const programDir = strict ? programDirWrite(scan, cwds, home) : undefined;
  if (programDir) return programDir;
  // Nor the files an allowed program reads as code or command-running configuration.
  const config = bound.allowed
    ? configWrite(scan, bound.allowed, cwds, home, lineLinks(scan.commands, cwds))
    : undefined;
  if (config) return config;
  return (
    deferredPaths(scan, bound) ??
    judgePaths(scan, bound.paths, cwd, home) ??
    (protectHooks ? (hookDenial(scan, false) ?? memoryDenial(scan, cwd, home, false)) : undefined)
  );
}
