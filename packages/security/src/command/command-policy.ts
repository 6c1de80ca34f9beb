// CommandPolicy: the verdict of a SecurityPolicy on one command line. Order of judgement: parse
// errors, assignments, what names orchflow's shell integration, evaluated strings, then each simple
// command in source order (denylist, constructs that cannot be judged, allowlist, capabilities),
// then redirections, background jobs, paths, and last the run-time names that could reach the
// shell integration. The first failure decides; its rule and the part of the command it concerns are
// reported. Under an allowlist everything that cannot be judged is refused (fail closed); under
// a denylist, what could hide a denied command or argument is refused too.
import { homedir } from 'node:os';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import type { Parser } from 'web-tree-sitter';
import { parseSecurityPolicy, type SecurityPolicy } from '../policy/schema';
import { nameGlob, SAFE_ENVIRONMENT, SHELL_CONTROL_VARIABLES } from './assignments';
import { canonicalForms } from './canonical';
import {
  lackingCapability,
  lackingForBackground,
  lackingForRedirect,
  layers,
  networkDeviceUse,
} from './capabilities';
import { hookFinding } from './hook-findings';
import { memoryPathFindings } from './hook-memory';
import { isHookVariable } from './hook-names';
import { MAX_COMMAND_BYTES, TooComplexError } from './limits';
import { bashParser } from './parser';
import { candidateCwds, PathGuard, pathRefs } from './paths';
import { type CommandRule, compileRules, type Invocation, matchAllowed, matchDenied } from './rules';
import type { Construct, FoundAssignment, FoundCommand, Scan } from './scanner';
import { Scanner } from './scanner';
import type { CheckOptions, PolicyDecision } from './types';

interface HomeBound {
  allowed?: CommandRule[];
  denied: CommandRule[];
  paths: PathGuard;
}

/** Judges command lines against a {@link SecurityPolicy}; see {@link CommandPolicy.check}. */
export class CommandPolicy {
  /** The validated policy this judges by. */
  readonly policy: SecurityPolicy;
  private readonly dangerous: RegExp[];
  private readonly safeEnvironment = SAFE_ENVIRONMENT.map(nameGlob);
  private readonly byHome = new Map<string, HomeBound>();

  /** Validates `policy` (throws InvalidParams naming bad fields) and prepares its rules. */
  constructor(policy: unknown) {
    this.policy = parseSecurityPolicy(policy);
    // An empty `dangerousVariables` is the opt-out from assignment checks; otherwise the shell's
    // own control variables are always protected.
    const names = this.policy.dangerousVariables;
    this.dangerous = (names.length === 0 ? [] : [...names, ...SHELL_CONTROL_VARIABLES]).map(nameGlob);
  }

  /** Loads the bash parser now rather than on the first {@link check}. */
  async ready(): Promise<void> {
    await bashParser();
  }

  /**
   * Parses `command` and decides whether it may run; never throws for a denial. A command over
   * {@link MAX_COMMAND_BYTES} is denied `too-large`; one the policy cannot parse or judge within
   * its limits (or that makes any step throw) is denied `too-complex`.
   */
  async check(command: string, options: CheckOptions = {}): Promise<PolicyDecision> {
    const parser = await bashParser();
    const bytes = Buffer.byteLength(command, 'utf8');
    if (bytes > MAX_COMMAND_BYTES)
      return {
        allowed: false,
        rule: 'too-large',
        reason: `the command is ${bytes} bytes, more than the ${MAX_COMMAND_BYTES} bytes the policy judges; write long input to a file instead`,
        commands: [],
      };
    try {
      return this.decide(parser, command, options);
    } catch (error) {
      // Fail closed: whatever made parsing or judging fail, nothing of the command is known.
      const why = error instanceof TooComplexError ? ` (${error.message})` : '';
      return {
        allowed: false,
        rule: 'too-complex',
        reason: `the command is too complex to judge${why}; split it into simpler commands`,
        commands: [],
      };
    }
  }

  private decide(parser: Parser, command: string, options: CheckOptions): PolicyDecision {
    const home = options.home ?? homedir();
    let scanner = new Scanner(parser, { HOME: home });
    scanner.source(command);
    // A line that assigns HOME makes `~` and `$HOME` unknown from then on.
    if (scanner.scan.assignments.some((a) => a.name === 'HOME')) {
      scanner = new Scanner(parser, {});
      scanner.source(command);
    }
    const { scan } = scanner;
    const commands = scan.commands.map((f) => f.command);
    for (const c of commands) for (const a of c.assignments) a.dangerous = this.isDangerous(a.name);
    const denial = this.judge(scan, this.bound(home), options.cwd ?? process.cwd(), home);
    if (denial) return { allowed: false, reason: denial.reason, rule: denial.rule, commands };
    const allowRule = this.policy.allowedCommands === undefined ? 'default-allow' : 'allowedCommands';
    return { allowed: true, reason: 'every command is allowed by the policy', rule: allowRule, commands };
  }

  /** Like {@link check}, but rejects with a PolicyDenied {@link OrchflowError} when denied. */
  async enforce(command: string, options: CheckOptions = {}): Promise<PolicyDecision> {
    const decision = await this.check(command, options);
    if (!decision.allowed) throw policyDeniedError(command, decision);
    return decision;
  }

  private bound(home: string): HomeBound {
    let bound = this.byHome.get(home);
    if (!bound) {
      // `~` in rules means the home directory, which is how the command's words arrive.
      const expand = (rule: string) => rule.replace(/(^|\s)~(?=\/|\s|$)/g, `$1${home}`);
      const allowed = this.policy.allowedCommands;
      bound = {
        allowed: allowed && compileRules('allowedCommands', allowed, expand),
        denied: compileRules('deniedCommands', this.policy.deniedCommands, expand),
        paths: new PathGuard(this.policy.forbiddenPaths, home),
      };
      this.byHome.set(home, bound);
    }
    return bound;
  }

  private isDangerous(name: string): boolean {
    return this.dangerous.some((re) => re.test(name));
  }

  private judge(scan: Scan, bound: HomeBound, cwd: string, home: string): Construct | undefined {
    const strict = bound.allowed !== undefined;
    const caps = this.policy.capabilities;
    const networkDenied = this.policy.networkPolicy === 'deny';
    const firstError = scan.parseErrors[0];
    if (strict && firstError !== undefined) {
      return {
        rule: 'parse-error',
        reason: `the command could not be parsed as bash (near ${firstError}); fix the syntax`,
      };
    }
    for (const assignment of scan.assignments) {
      const denied = this.assignmentDenial(assignment, strict);
      if (denied) return denied;
    }
    const hooks = this.hookDenial(scan, true) ?? this.memoryDenial(scan, cwd, home, true);
    if (hooks) return hooks;
    const hazard = scan.hazards[0];
    if (strict && hazard) return hazard;
    for (const found of scan.commands) {
      const denied = this.denylisted(found, bound.denied);
      if (denied) return denied;
      if (strict && found.construct) return found.construct;
      // Every call is judged by its name, also when a function of that name is defined: the
      // function's body is judged on its own, and `command rm` or `/bin/rm` would skip it.
      for (const inv of bound.allowed ? layers(found) : []) {
        const match = matchAllowed(bound.allowed ?? [], inv);
        if (match.kind === 'none')
          return {
            rule: 'allowedCommands: no match',
            reason: `'${describe(inv)}' in '${found.command.text}' is not in allowedCommands`,
          };
        if (match.kind === 'refused')
          return {
            rule: `${match.rule.label}: refused`,
            reason: `'${describe(inv)}' in '${found.command.text}' matches ${match.rule.label}, which ${match.why}`,
          };
      }
      for (const inv of layers(found)) {
        const lacking = lackingCapability(inv, caps, networkDenied);
        if (lacking) return lacking;
      }
    }
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
    return (
      this.judgePaths(scan, bound.paths, cwd, home) ??
      this.hookDenial(scan, false) ??
      this.memoryDenial(scan, cwd, home, false)
    );
  }

  // protectShellIntegration: file words that reach a process's memory (/proc/<pid>/mem) from the
  // directories the line may be in or through symlinks; the line's text is judged by scan.hooks.
  private memoryDenial(scan: Scan, cwd: string, home: string, certain: boolean): Construct | undefined {
    if (!this.policy.protectShellIntegration) return undefined;
    const refs = pathRefs(scan.commands, scan.redirects);
    const found = memoryPathFindings(refs, candidateCwds(cwd, scan.cds, home)).find(
      (f) => f.certain === certain,
    );
    return found && { rule: found.rule, reason: found.reason };
  }

  // protectShellIntegration: `certain` findings name the hooks and are judged early; the others
  // are names only known at run time, judged last so rules that already refuse them keep their reason.
  private hookDenial(scan: Scan, certain: boolean): Construct | undefined {
    if (!this.policy.protectShellIntegration) return undefined;
    if (certain) {
      const named = scan.assignments.find((a) => isHookVariable(a.name));
      if (named) return hookFinding(named.text, `assigns or declares ${named.name}`, true);
    }
    const found = scan.hooks.find((h) => h.certain === certain);
    return found && { rule: found.rule, reason: found.reason };
  }

  private assignmentDenial(a: FoundAssignment, strict: boolean): Construct | undefined {
    const denied = { rule: `dangerous-assignment:${a.name}` };
    if (this.isDangerous(a.name))
      return {
        ...denied,
        reason: `'${a.text}' sets ${a.name}, which changes what the shell or programs load or run`,
      };
    // Under an allowlist, environment-style names steer allowed programs (GIT_PAGER, GOFLAGS …).
    const environmentStyle = a.exported || /^[A-Z_][A-Z0-9_]*$/.test(a.name);
    if (strict && environmentStyle && !this.safeEnvironment.some((re) => re.test(a.name)))
      return {
        ...denied,
        reason: `'${a.text}' sets the environment-style variable ${a.name}, which allowed programs may read to run other code; only ${SAFE_ENVIRONMENT.join(', ')} may be set under an allowlist`,
      };
    return undefined;
  }

  // The denylist, and what could hide a denied command from it: a non-literal program name, or a
  // non-literal argument to a program a rule with arguments is about (`rm -rf $(echo /)`).
  private denylisted(found: FoundCommand, rules: readonly CommandRule[]): Construct | undefined {
    const alternatives = found.words.slice(1).flatMap((w) => w.alternatives ?? []);
    const own: Invocation = { ...found.command, argv: [...found.command.argv, ...alternatives] };
    const invocations = [...(found.command.via ?? []), own, ...found.guesses];
    for (const inv of [...invocations, ...invocations.flatMap(canonicalForms)]) {
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

  private judgePaths(scan: Scan, guard: PathGuard, cwd: string, home: string): Construct | undefined {
    if (guard.empty) return undefined;
    const refs = pathRefs(scan.commands, scan.redirects);
    const cwds = candidateCwds(cwd, scan.cds, home);
    for (const ref of refs) {
      const relative = !(ref.word.expanded ? ref.word.prefix : ref.word.value).startsWith('/');
      if (!cwds) {
        if (relative && ref.word.value !== '') {
          return {
            rule: 'forbidden-path:unknown-cwd',
            reason: `a 'cd' to a directory that is not a literal makes '${ref.word.value}' in '${ref.text}' impossible to resolve; use a literal path`,
          };
        }
        continue;
      }
      const hit = guard.hit(ref, cwds);
      if (hit === 'unknown' || (hit === undefined && ref.word.expanded))
        return {
          rule: 'non-literal-path',
          reason: `'${ref.word.value}' in '${ref.text}' is only known at run time (or matches too many files), so whether it reaches a forbidden path cannot be checked; use a literal path`,
        };
      if (hit) {
        const verb = ref.access === 'write' ? 'writes' : 'reads';
        return {
          rule: `forbidden-path:${hit}`,
          reason: `'${ref.text}' ${verb} '${ref.word.value}', which is under the forbidden path ${hit}`,
        };
      }
    }
    return undefined;
  }
}

function describe(inv: { program: string; argv: string[] }): string {
  return [inv.program, ...inv.argv].join(' ').slice(0, 120);
}

/** The PolicyDenied error for a denied decision: names the rule and the part of the command. */
export function policyDeniedError(command: string, decision: PolicyDecision): OrchflowError {
  return new OrchflowError(
    ErrorCode.PolicyDenied,
    `Command denied by security policy (${decision.rule}): ${decision.reason}`,
    {
      rule: decision.rule,
      reason: decision.reason,
      command,
    },
  );
}
