// CommandPolicy: the verdict of a SecurityPolicy on one command line. Order of judgement: parse
// errors, then each simple command in source order (assignments, denylist, constructs that
// cannot be judged, allowlist, capabilities), then redirections, background jobs and paths.
// The first failure decides; its rule and the part of the command it concerns are reported.
import { homedir } from 'node:os';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { parseSecurityPolicy, type SecurityPolicy } from '../policy/schema';
import { lackingCapability, lackingForBackground, lackingForRedirect, layers } from './capabilities';
import { bashParser } from './parser';
import { candidateCwds, PathGuard, pathRefs } from './paths';
import { type CommandRule, compileRules, matchAllowed, matchDenied } from './rules';
import { type Construct, type Scan, Scanner } from './scanner';
import type { CheckOptions, PolicyDecision } from './types';

function nameGlob(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/\*/g, '.*')}$`);
}

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
  private readonly byHome = new Map<string, HomeBound>();

  /** Validates `policy` (throws InvalidParams naming bad fields) and prepares its rules. */
  constructor(policy: unknown) {
    this.policy = parseSecurityPolicy(policy);
    this.dangerous = this.policy.dangerousVariables.map(nameGlob);
  }

  /** Loads the bash parser now rather than on the first {@link check}. */
  async ready(): Promise<void> {
    await bashParser();
  }

  /** Parses `command` and decides whether it may run; never throws for a denial. */
  async check(command: string, options: CheckOptions = {}): Promise<PolicyDecision> {
    const parser = await bashParser();
    const home = options.home ?? homedir();
    const scanner = new Scanner(parser, { HOME: home });
    scanner.source(command);
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
    const assignment = scan.assignments.find((a) => this.isDangerous(a.name));
    if (assignment) {
      return {
        rule: `dangerous-assignment:${assignment.name}`,
        reason: `'${assignment.text}' sets ${assignment.name}, which changes what programs load or run`,
      };
    }
    for (const found of scan.commands) {
      for (const inv of [...layers(found), ...found.guesses]) {
        const denied = matchDenied(bound.denied, inv);
        if (denied)
          return {
            rule: denied.label,
            reason: `'${describe(inv)}' in '${found.command.text}' matches a denied command`,
          };
      }
      if (strict && found.construct) return found.construct;
      if (bound.allowed && !found.functionCall) {
        for (const inv of layers(found)) {
          if (!matchAllowed(bound.allowed, inv)) {
            return {
              rule: 'allowedCommands: no match',
              reason: `'${describe(inv)}' in '${found.command.text}' is not in allowedCommands`,
            };
          }
        }
      }
      for (const inv of layers(found)) {
        const lacking = lackingCapability(inv, caps, networkDenied);
        if (lacking) return lacking;
      }
    }
    for (const r of scan.redirects) {
      const lacking = lackingForRedirect(r, caps);
      if (lacking) return lacking;
    }
    const background = lackingForBackground(scan.background, caps);
    if (background) return background;
    return this.judgePaths(scan, bound.paths, cwd, home);
  }

  private judgePaths(scan: Scan, guard: PathGuard, cwd: string, home: string): Construct | undefined {
    if (guard.empty) return undefined;
    const refs = pathRefs(scan.commands, scan.redirects);
    const cwds = candidateCwds(cwd, scan.cds, home);
    for (const ref of refs) {
      const relative = ref.word.literal ? !ref.word.value.startsWith('/') : !ref.word.prefix.startsWith('/');
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
