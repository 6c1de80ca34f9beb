// CommandPolicy: the verdict of a SecurityPolicy on one command line. A check runs off the
// caller's event loop (check-pool.ts) within a work budget (budget.ts): the line is scanned
// (scanner.ts) and the scan judged in the order judge.ts sets out, with the policy's rules bound to
// the check's home directory (home-bound.ts). Whatever cannot be parsed or judged within the
// limits is denied `too-complex` (fail closed).
import { homedir } from 'node:os';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import type { Parser } from 'web-tree-sitter';
import { parseSecurityPolicy, type SecurityPolicy } from '../policy/schema';
import { nameGlob, SHELL_CONTROL_VARIABLES } from './assignments';
import { WorkBudget, withBudget } from './budget';
import { CD_VARIABLES } from './builtins';
import { checkOffLoop } from './check-pool';
import { bindHome, type HomeBound } from './home-bound';
import { judge } from './judge';
import { MAX_COMMAND_BYTES, TooComplexError, tooComplexDecision } from './limits';
import { loadedBashParser } from './parser';
import { extglobDenial } from './path-denials';
import { Scanner } from './scanner';
import type { CheckOptions, PolicyDecision } from './types';

/** Judges command lines against a {@link SecurityPolicy}; see {@link CommandPolicy.check}. */
export class CommandPolicy {
  /** The validated policy this judges by. */
  readonly policy: SecurityPolicy;
  private readonly dangerous: RegExp[];
  private readonly byHome = new Map<string, HomeBound>();
  private json?: string;

  /** Validates `policy` (throws InvalidParams naming bad fields) and prepares its rules. */
  constructor(policy: unknown) {
    this.policy = parseSecurityPolicy(policy);
    // An empty `dangerousVariables` is the opt-out from assignment checks; otherwise the shell's
    // own control variables are always protected.
    const names = this.policy.dangerousVariables;
    this.dangerous = (names.length === 0 ? [] : [...names, ...SHELL_CONTROL_VARIABLES]).map(nameGlob);
  }

  /** Starts a policy worker and loads the bash parser there now rather than on the first {@link check}. */
  async ready(): Promise<void> {
    await checkOffLoop({ policy: this.key(), options: { cwd: process.cwd(), home: homedir() } });
  }

  /**
   * Parses `command` and decides whether it may run; never throws for a denial. A command over
   * {@link MAX_COMMAND_BYTES} is denied `too-large`; one the policy cannot parse or judge within
   * its limits (or that makes any step throw) is denied `too-complex`. The parse and judgement
   * run in a worker thread, so even the slowest command never blocks the caller's event loop.
   */
  async check(command: string, options: CheckOptions = {}): Promise<PolicyDecision> {
    const tooLarge = sizeDenial(command);
    if (tooLarge) return tooLarge;
    const where = { cwd: options.cwd ?? process.cwd(), home: options.home ?? homedir() };
    return (await checkOffLoop({ policy: this.key(), command, options: where })) ?? tooComplexDecision();
  }

  /**
   * The judgement of {@link check} on the calling thread, within the work budget (budget.ts); the
   * policy worker's entry point. Blocks for as long as parsing takes: use {@link check}.
   * @internal
   */
  judgeHere(command: string, options: CheckOptions, budget: WorkBudget = new WorkBudget()): PolicyDecision {
    const tooLarge = sizeDenial(command);
    if (tooLarge) return tooLarge;
    try {
      // The parser comes from this thread's loaded instance rather than a parameter, so the
      // published declarations never name web-tree-sitter's types (they need @types/emscripten).
      return withBudget(budget, () => this.decide(loadedBashParser(), command, options));
    } catch (error) {
      // Fail closed: whatever made parsing or judging fail, nothing of the command is known.
      return tooComplexDecision(error instanceof TooComplexError ? error.message : undefined);
    }
  }

  // The policy as the worker receives it (and caches by).
  private key(): string {
    this.json ??= JSON.stringify(this.policy);
    return this.json;
  }

  private decide(parser: Parser, command: string, options: CheckOptions): PolicyDecision {
    const home = options.home ?? homedir();
    // Under an allowlist no allowed name can be a function (see shadowingFunction).
    const trustCalls = this.policy.allowedCommands !== undefined;
    let scanner = new Scanner(parser, { HOME: home }, trustCalls);
    scanner.source(command);
    // A line that assigns HOME makes `~` and `$HOME` unknown from then on.
    if (scanner.scan.assignments.some((a) => a.name === 'HOME')) {
      scanner = new Scanner(parser, {}, trustCalls);
      scanner.source(command);
    }
    const { scan } = scanner;
    // Where HOME or CDPATH is assigned anywhere in the line (also as the prefix of a `bash -c` or
    // of a function call whose body has the `cd`), only the shell knows where any `cd` goes.
    if (scan.assignments.some((a) => CD_VARIABLES.has(a.name))) scan.cds = scan.cds.map(() => undefined);
    const commands = scan.commands.map((f) => f.command);
    for (const c of commands) for (const a of c.assignments) a.dangerous = this.isDangerous(a.name);
    const bound = this.bound(home);
    const denial =
      judge(scan, {
        policy: this.policy,
        bound,
        dangerous: this.dangerous,
        cwd: options.cwd ?? process.cwd(),
        home,
      }) ?? extglobDenial(scan, bound.paths, command);
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
      bound = bindHome(this.policy, home);
      this.byHome.set(home, bound);
    }
    return bound;
  }

  private isDangerous(name: string): boolean {
    return this.dangerous.some((re) => re.test(name));
  }
}

function sizeDenial(command: string): PolicyDecision | undefined {
  const bytes = Buffer.byteLength(command, 'utf8');
  if (bytes <= MAX_COMMAND_BYTES) return undefined;
  return {
    allowed: false,
    rule: 'too-large',
    reason: `the command is ${bytes} bytes, more than the ${MAX_COMMAND_BYTES} bytes the policy judges; write long input to a file instead`,
    commands: [],
  };
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
