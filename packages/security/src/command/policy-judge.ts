// PolicyJudge: the judgement of one command line against an already validated SecurityPolicy, on
// the calling thread — what a policy worker runs (check-pool.ts, policy-worker.ts). The line is
// scanned (scanner.ts) and the scan judged in the order judge.ts sets out, with the policy's rules
// bound to the check's home directory (home-bound.ts). Neither zod nor @orchflow/protocol is
// imported from here: validation stays with CommandPolicy, and each worker loads only the parser
// and the rules (the schemas took ~5 MB of every worker's heap).
import { homedir } from 'node:os';
import type { Parser } from 'web-tree-sitter';
import type { SecurityPolicy } from '../policy/schema';
import { nameGlob, SHELL_CONTROL_VARIABLES } from './assignments';
import { WorkBudget, withBudget } from './budget';
import { CD_VARIABLES } from './builtins';
import { bindHome, type HomeBound, tildeHomeIn } from './home-bound';
import { judge } from './judge';
import { sizeDenial, TooComplexError, tooComplexDecision } from './limits';
import { loadedBashParser } from './parser';
import { extglobDenial } from './path-denials';
import { Scanner } from './scanner';
import { PARSE_MODE_VARIABLES } from './shell-options';
import type { CheckOptions, PolicyDecision } from './types';

/** Judges command lines by a policy that `parseSecurityPolicy` has already validated. */
export class PolicyJudge {
  private readonly dangerous: RegExp[];
  private readonly byHome = new Map<string, HomeBound>();

  /** Prepares the rules of `policy` (validated: nothing here checks it). */
  constructor(readonly policy: SecurityPolicy) {
    // An empty `dangerousVariables` is the opt-out from assignment checks; otherwise the shell's
    // own control variables, and those that change how it parses (POSIXLY_CORRECT), are always
    // protected.
    const names = policy.dangerousVariables;
    this.dangerous = (
      names.length === 0 ? [] : [...names, ...SHELL_CONTROL_VARIABLES, ...PARSE_MODE_VARIABLES]
    ).map(nameGlob);
  }

  /**
   * The decision on `command`, within the work budget (budget.ts), on this thread: blocks for as
   * long as parsing takes. A command over `MAX_COMMAND_BYTES` (limits.ts), or one that cannot be
   * parsed or judged within the limits, is denied (fail closed).
   */
  judge(command: string, options: CheckOptions, budget: WorkBudget = new WorkBudget()): PolicyDecision {
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
    // Named as the caller could have written it: `~`, not the server's home (see tildeHomeIn).
    if (denial)
      return { allowed: false, reason: tildeHomeIn(denial.reason, home), rule: denial.rule, commands };
    // The reason says why it was allowed: no rule refused it, and under an allowlist every
    // command matched an entry.
    return this.policy.allowedCommands === undefined
      ? { allowed: true, reason: 'no rule of the policy refuses it', rule: 'default-allow', commands }
      : {
          allowed: true,
          reason: 'every command in it matches an allowedCommands entry and no rule refuses it',
          rule: 'allowedCommands',
          commands,
        };
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
