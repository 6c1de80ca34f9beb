// `ConnectionPolicy`: a security policy that holds one caller — a connection, or every connection
// of one auth token — on top of the orchestrator's own. The stricter outcome always wins: a
// command must be allowed by both policies, a terminal the caller spawns must pass both spawn
// guards and is isolated with the stricter of each isolation setting, raw input needs both to
// allow it, and the execution timeout is capped by both (docs/security.md, "Per-token policies").
// Every refusal it causes names its rule with the `connection:` prefix.
//
// The policy travels with the caller's principal: `bind` returns a copy of the principal that
// carries it. Every path a request takes through core, and every orchflow server, hands the
// principal object on unchanged, so the policy reaches the command runner without each layer's
// signature growing. The mark is a non-enumerable property under a registry symbol: it never
// reaches the wire or JSON, and a second copy of this package loaded in the process still sees it.
import { ErrorCode, OrchflowError, type Principal, type TerminalConfig } from '@orchflow/protocol';
import {
  CommandPolicy,
  canWriteRawInput,
  type PolicyDecision,
  parseSecurityPolicy,
  type SecurityPolicy,
  type SecurityPolicyInput,
  trustsRawInput,
} from '@orchflow/security';
import { isTrustedLike, SpawnGuard } from './spawn-guard';

/** Prefix of the rule of every refusal a connection's policy causes (`connection:deniedCommands[0]: rm`). */
export const CONNECTION_RULE_PREFIX = 'connection:';

const CARRIED = Symbol.for('orchflow.connectionPolicy');

/** A security policy enforced for one caller in addition to the orchestrator's own. */
export class ConnectionPolicy {
  /** The validated policy, defaults applied. */
  readonly policy: SecurityPolicy;
  private readonly commands: CommandPolicy;
  private readonly guard: SpawnGuard;
  private loading: Promise<void> | undefined;

  /** Validates `input` (a policy object or a `SecurityPresets` entry); throws InvalidParams naming bad fields. */
  constructor(input: SecurityPolicyInput) {
    this.policy = parseSecurityPolicy(input);
    this.commands = new CommandPolicy(this.policy);
    this.guard = new SpawnGuard(this.policy);
  }

  /** The policy `principal` carries (see {@link ConnectionPolicy.bind}), if any. */
  static of(principal: Principal | undefined): ConnectionPolicy | undefined {
    if (principal === undefined) return undefined;
    return (principal as { [CARRIED]?: ConnectionPolicy })[CARRIED];
  }

  /**
   * A frozen copy of `principal` that carries this policy: every call made as that principal
   * (RPC connections, `CallContext`) is held to it. Copying the result (`{ ...p }`) drops it.
   */
  bind(principal: Principal): Principal {
    const copy = { ...principal };
    Object.defineProperty(copy, CARRIED, { value: this, enumerable: false });
    return Object.freeze(copy);
  }

  /** Loads the bash parser once; `check` works before it too, this only moves the cost forward. */
  ready(): Promise<void> {
    this.loading ??= this.commands.ready();
    return this.loading;
  }

  /** The policy's verdict on `command` in `cwd`; a denial's rule carries {@link CONNECTION_RULE_PREFIX}. */
  async check(command: string, cwd: string | undefined): Promise<PolicyDecision> {
    const decision = await this.commands.check(command, cwd === undefined ? {} : { cwd });
    return decision.allowed ? decision : { ...decision, rule: `${CONNECTION_RULE_PREFIX}${decision.rule}` };
  }

  /** True when the policy restricts spawn configs (it is not trusted-like; see `isTrustedLike`). */
  get restrictsSpawn(): boolean {
    return !isTrustedLike(this.policy);
  }

  /** True when raw input it allows is judged at the shell's prompt (see `trustsRawInput`). */
  get judgesRawInput(): boolean {
    return !trustsRawInput(this.policy);
  }

  /** `config` checked by this policy's spawn guard; throws PolicyDenied with a `connection:` rule. */
  spawnConfig(config: TerminalConfig): TerminalConfig {
    try {
      return this.guard.check(config);
    } catch (error) {
      const failure = OrchflowError.from(error);
      const data = (failure.data ?? {}) as { rule?: string };
      const rule = `${CONNECTION_RULE_PREFIX}${data.rule ?? 'spawn'}`;
      throw new OrchflowError(failure.code, `This connection's security policy: ${failure.message}`, {
        ...data,
        rule,
      });
    }
  }

  /** Throws Forbidden when this policy does not let raw input (keystrokes) reach a terminal. */
  assertRawInput(terminalId: string): void {
    if (canWriteRawInput(this.policy)) return;
    throw new OrchflowError(
      ErrorCode.Forbidden,
      "Raw input is not allowed by this connection's security policy: keystrokes would bypass its command rules. Use execute(), or give the token a policy with capabilities.canWriteRawInput: true (then lines typed at the shell's prompt are judged like commands)",
      { terminalId, rule: `${CONNECTION_RULE_PREFIX}capabilities.canWriteRawInput` },
    );
  }

  /** The policy's cap on one command's wall-clock time, if it sets one. */
  get timeoutCapMs(): number | undefined {
    return this.policy.resourceLimits.executionTimeoutMs;
  }
}
