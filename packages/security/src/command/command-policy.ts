// CommandPolicy: the verdict of a SecurityPolicy on one command line. The policy is validated
// here; a check runs off the caller's event loop (check-pool.ts), where PolicyJudge
// (policy-judge.ts) parses and judges it within a work budget (budget.ts). Whatever cannot be
// parsed or judged within the limits is denied `too-complex` (fail closed).
import { homedir } from 'node:os';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { parseSecurityPolicy, type SecurityPolicy } from '../policy/schema';
import { checkOffLoop } from './check-pool';
import { sizeDenial, tooComplexDecision } from './limits';
import type { CheckOptions, PolicyDecision } from './types';

/** Judges command lines against a {@link SecurityPolicy}; see {@link CommandPolicy.check}. */
export class CommandPolicy {
  /** The validated policy this judges by. */
  readonly policy: SecurityPolicy;
  // What the worker judges by (and caches by), fixed now: an edit of `policy` after construction,
  // which no worker would validate, changes nothing.
  private readonly json: string;

  /** Validates `policy` (throws InvalidParams naming bad fields); its rules are prepared in the worker (policy-judge.ts). */
  constructor(policy: unknown) {
    this.policy = parseSecurityPolicy(policy);
    this.json = JSON.stringify(this.policy);
  }

  /** Starts a policy worker and loads the bash parser there now rather than on the first {@link check}. */
  async ready(): Promise<void> {
    await checkOffLoop({ policy: this.json, options: { cwd: process.cwd(), home: homedir() } });
  }

  /**
   * Parses `command` and decides whether it may run; never throws for a denial. A command over
   * `MAX_COMMAND_BYTES` is denied `too-large`; one the policy cannot parse or judge within
   * its limits (or that makes any step throw) is denied `too-complex`. The parse and judgement
   * run in a worker thread, so even the slowest command never blocks the caller's event loop.
   */
  async check(command: string, options: CheckOptions = {}): Promise<PolicyDecision> {
    const tooLarge = sizeDenial(command);
    if (tooLarge) return tooLarge;
    const where = { cwd: options.cwd ?? process.cwd(), home: options.home ?? homedir() };
    return (await checkOffLoop({ policy: this.json, command, options: where })) ?? tooComplexDecision();
  }

  /** Like {@link check}, but rejects with a PolicyDenied {@link OrchflowError} when denied. */
  async enforce(command: string, options: CheckOptions = {}): Promise<PolicyDecision> {
    const decision = await this.check(command, options);
    if (!decision.allowed) throw policyDeniedError(command, decision);
    return decision;
  }
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
