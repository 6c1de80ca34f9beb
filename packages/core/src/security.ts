// The orchestrator's enforcement of a SecurityPolicy: the command policy each command is checked
// against, the audit log every decision and command end is recorded in (fail closed when it cannot
// be written), the launch wrapper that isolates each terminal's shell, the raw-input capability,
// and the execution timeout cap. Each check also takes the caller's ConnectionPolicy, if any,
// and the stricter outcome wins (see connection-policy.ts).
import {
  ErrorCode,
  type ExecResult,
  type ExecutionMode,
  OrchflowError,
  type Principal,
  type TerminalConfig,
} from '@orchflow/protocol';
import {
  type AuditDecision,
  type AuditEnd,
  AuditLog,
  type AuditRecord,
  CommandPolicy,
  canWriteRawInput,
  createLaunchWrapper,
  type IsolationLevel,
  type IsolationSpec,
  type PolicyDecision,
  parseSecurityPolicy,
  type SecurityPolicy,
  trustsRawInput,
} from '@orchflow/security';
import { isolationSpecFor, needsLaunchWrapper, sha256Hex } from '@orchflow/security/internal';
import type { TerminalSpawnOptions } from '@orchflow/terminal';
import type { ConnectionPolicy } from './connection-policy';
import { strictestSpec, strongerLevel } from './isolation-merge';
import { applyRecordingPolicy } from './recording/policy';
import { TerminalRedactions } from './redaction';
import { matchingGlob, realOrResolved, SPAWN_DANGEROUS_ENV, SpawnGuard } from './spawn-guard';
import { CommandTrace } from './tracing/command-trace';

// The isolation settings of a terminal no policy holds (network, no limits, nothing forbidden):
// what a `sandboxed` terminal gets around the sandbox itself when there is no policy. Made on
// first use: validating a policy compiles the schema's parser (~10 ms and ~50 KB at import).
let unrestricted: SecurityPolicy | undefined;
function unrestrictedPolicy(): SecurityPolicy {
  unrestricted ??= parseSecurityPolicy({});
  return unrestricted;
}

/** Who a command is for, as the audit log records it. */
export interface AuditSubject {
  commandId: string;
  agentId: string;
  terminalId: string;
  command: string;
  principal?: string;
  /** `raw-input` for a line typed with `write()` (it has no end entry); `floor` for a floor holder's keystrokes. */
  source?: 'raw-input' | 'floor';
}

/** How the audit log names a principal: `admin`, `agent:<name>`, or an unnamed agent's grant. */
export function principalLabel(principal: Principal): string {
  if (principal.name !== undefined) return `${principal.kind}:${principal.name}`;
  if (principal.kind !== 'agent') return principal.kind;
  const grant = [
    ...(principal.agentIds ? [`agentIds=${principal.agentIds.join(',')}`] : []),
    ...(principal.agentIdPrefix !== undefined ? [`prefix=${principal.agentIdPrefix}`] : []),
  ];
  return grant.length > 0 ? `agent(${grant.join(' ')})` : 'agent';
}

/** Enforces one policy (or none) and keeps the audit log. */
export class SecurityGate {
  private readonly policy: CommandPolicy | undefined;
  private readonly spawnGuard: SpawnGuard | undefined;
  private audit: AuditLog | undefined;
  private auditFailure: OrchflowError | undefined;
  /** Each terminal's secret redaction; audit entries pass through it. */
  readonly redactions: TerminalRedactions;

  /**
   * A gate for `policy` (already validated) writing to `auditLog` (a path or an open log);
   * `onAuditWrite` hears how long each append took (metrics).
   */
  constructor(
    readonly securityPolicy: SecurityPolicy | undefined,
    private readonly auditLog: string | AuditLog | undefined,
    private readonly onAuditWrite?: (durationMs: number, ok: boolean) => void,
  ) {
    this.policy = securityPolicy && new CommandPolicy(securityPolicy);
    this.spawnGuard = securityPolicy && new SpawnGuard(securityPolicy);
    this.redactions = new TerminalRedactions(securityPolicy);
  }

  /**
   * `config` as the policy (and the caller's, if any: both must pass) lets a terminal spawn with
   * it; throws PolicyDenied (see SpawnGuard). Both guards judge the config as given; the result is
   * that of a guard that restricts spawns (they resolve shell and cwd alike).
   */
  spawnConfig(config: TerminalConfig, caller?: ConnectionPolicy): TerminalConfig {
    const own = this.spawnGuard ? this.spawnGuard.check(config) : config;
    let result = own;
    if (caller) {
      const theirs = caller.spawnConfig(config);
      if (caller.restrictsSpawn) result = theirs;
    }
    result = applyRecordingPolicy(result, this.securityPolicy, caller?.policy);
    if (result.mode === 'sandboxed') {
      // With or without a policy, a sandboxed terminal's cwd is bound writable into the sandbox.
      const guard = this.spawnGuard ?? new SpawnGuard(unrestrictedPolicy());
      // Named as the caller gave it (the guard's result holds its real path).
      guard.checkWorkspace(realOrResolved(result.cwd ?? process.cwd()), 'sandbox', config.cwd);
    }
    return result;
  }

  /**
   * The isolation level a terminal spawned by `caller` in `mode` gets: the stronger of both
   * policies', and at least `sandbox` for `mode: 'sandboxed'`.
   */
  isolationLevel(caller?: ConnectionPolicy, mode?: ExecutionMode): IsolationLevel {
    const own = this.securityPolicy?.isolationLevel ?? 'none';
    const level = caller ? strongerLevel(own, caller.policy.isolationLevel) : own;
    return mode === 'sandboxed' ? strongerLevel(level, 'sandbox') : level;
  }

  /** Opens the audit log and loads the bash parser; a log that cannot be opened fails every command. */
  async init(): Promise<void> {
    if (typeof this.auditLog === 'string') {
      try {
        this.audit = await AuditLog.open(this.auditLog);
      } catch (error) {
        this.auditFailure = OrchflowError.from(error);
      }
    } else {
      this.audit = this.auditLog;
    }
    await this.policy?.ready();
  }

  /** False when neither the orchestrator nor `caller` has a policy: `check` then resolves undefined. */
  judges(caller?: ConnectionPolicy): boolean {
    return this.policy !== undefined || caller !== undefined;
  }

  /**
   * The verdict on `command` run in `cwd`: the orchestrator policy's denial if it denies, else the
   * caller's denial if it denies, else an allowing decision (the orchestrator's when it has a
   * policy); undefined when neither has a policy.
   */
  async check(
    command: string,
    cwd: string | undefined,
    caller?: ConnectionPolicy,
  ): Promise<PolicyDecision | undefined> {
    const own = this.policy ? await this.policy.check(command, cwd === undefined ? {} : { cwd }) : undefined;
    if ((own && !own.allowed) || !caller) return own;
    const theirs = await caller.check(command, cwd);
    return theirs.allowed ? (own ?? theirs) : theirs;
  }

  /**
   * Records a decision; resolves once it is on disk. Rejects (fail closed) when it cannot be
   * written. Without an audit log there is nothing to wait for: undefined.
   */
  recordDecision(
    subject: AuditSubject,
    cwd: string | undefined,
    verdict: {
      allowed: boolean;
      rule?: string;
      reason?: string;
      decision?: PolicyDecision;
      /** The terminal's isolation level; default the orchestrator policy's. */
      isolation?: IsolationLevel;
    },
  ): Promise<void> | undefined {
    CommandTrace.decided(subject.commandId, verdict.allowed);
    if (!this.keepsLog) return undefined;
    return this.writeTraced({
      kind: 'decision',
      ...subject,
      cwd,
      programs: verdict.decision?.commands.map((c) => c.program) ?? [],
      decision: verdict.allowed ? 'allow' : 'deny',
      rule: verdict.rule,
      reason: verdict.reason,
      isolation: verdict.isolation ?? this.securityPolicy?.isolationLevel ?? 'none',
    });
  }

  /**
   * Records how an admitted command ended (its output's size and SHA-256); undefined without an
   * audit log (nothing to wait for).
   */
  recordEnd(
    subject: AuditSubject,
    durationMs: number,
    result: ExecResult | undefined,
    error?: OrchflowError,
  ): Promise<void> | undefined {
    // Without a log, the output is not joined and hashed for nothing (a large output costs ms).
    if (!this.keepsLog) return undefined;
    const output = result ? result.stdout + result.stderr : '';
    return this.writeTraced({
      kind: 'end',
      ...subject,
      exitCode: result?.exitCode ?? null,
      signal: result?.signal ?? null,
      timedOut: result?.timedOut ?? false,
      durationMs,
      outputBytes: Buffer.byteLength(output),
      outputSha256: sha256Hex(output),
      error: error?.message,
    });
  }

  /**
   * Records keystrokes of the person holding a terminal's floor, attributed to them; resolves
   * once on disk and rejects (fail closed: the keys are not typed) when it cannot be written.
   */
  async recordInput(subject: AuditSubject, holder: string, data: string | Uint8Array): Promise<void> {
    if (!this.keepsLog) return;
    const text = typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
    const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    await this.write({ kind: 'input', ...subject, command: text, source: 'floor', holder, bytes });
  }

  /**
   * The wrapper isolating a terminal spawned with `config` (by `caller`, if any: each isolation
   * setting then takes the stricter of both policies), or undefined when none is needed. A
   * `sandboxed` terminal is isolated at `sandbox` at least, with or without a policy.
   */
  launchFor(config: TerminalConfig, cwd: string, caller?: ConnectionPolicy): TerminalSpawnOptions['launch'] {
    const policies = [this.securityPolicy, caller?.policy].filter(
      (p): p is SecurityPolicy => p !== undefined,
    );
    const sandboxed = config.mode === 'sandboxed';
    if (policies.length === 0 && !sandboxed) return undefined;
    // The scrub keeps the caller's own variables, never one that could run code (a caller no
    // policy holds keeps them all: nothing it sets can loosen the sandbox).
    const dangerous = [...policies.flatMap((p) => p.dangerousVariables), ...SPAWN_DANGEROUS_ENV];
    const keepEnv = Object.keys({ ...config.env, ...config.secretEnv }).filter(
      (name) => policies.length === 0 || matchingGlob(name, dangerous) === undefined,
    );
    const placement = { workspace: cwd, keepEnv };
    const specs = (policies.length > 0 ? policies : [unrestrictedPolicy()]).map((p) =>
      isolationSpecFor(p, placement),
    );
    const [first, second] = specs as [IsolationSpec, IsolationSpec | undefined];
    let spec = second ? strictestSpec(first, second) : first;
    if (sandboxed) spec = { ...spec, level: strongerLevel(spec.level, 'sandbox') };
    if (!needsLaunchWrapper(spec)) return undefined;
    return createLaunchWrapper(spec, { pty: config.mode !== 'scripted' });
  }

  /**
   * How raw input (keystrokes) from `caller` may reach a terminal: `direct`, or `judged` line by
   * line at the shell's prompt (see raw-input.ts) when either policy is not as open as `trusted`
   * (see `trustsRawInput`). Throws Forbidden when the policy, or the caller's, does not allow raw
   * input — except for `personAtFloor` (an admin holding the terminal's floor), whose lines are judged.
   */
  rawInputMode(terminalId: string, caller?: ConnectionPolicy, personAtFloor = false): 'direct' | 'judged' {
    // A person with admin rights who took the terminal's floor may type even where programs may
    // not: taking over is the point of the floor. What they type at the shell's prompt is still
    // judged like a command under a policy that restricts commands.
    if (personAtFloor)
      return this.securityPolicy !== undefined && !trustsRawInput(this.securityPolicy) ? 'judged' : 'direct';
    if (this.securityPolicy && !canWriteRawInput(this.securityPolicy)) {
      throw new OrchflowError(
        ErrorCode.Forbidden,
        "Raw input is not allowed by the security policy: keystrokes would bypass its command rules. Use execute(), or set capabilities.canWriteRawInput: true (then lines typed at the shell's prompt are judged like commands)",
        { terminalId, rule: 'capabilities.canWriteRawInput' },
      );
    }
    caller?.assertRawInput(terminalId);
    const own = this.securityPolicy !== undefined && !trustsRawInput(this.securityPolicy);
    return own || caller?.judgesRawInput ? 'judged' : 'direct';
  }

  /**
   * `timeoutMs` for a command: the requested one, else the default, never above the
   * executionTimeoutMs of the orchestrator's policy nor of the caller's.
   */
  timeoutFor(
    requested: number | undefined,
    defaultMs: number | undefined,
    caller?: ConnectionPolicy,
  ): number | undefined {
    const own = this.securityPolicy?.resourceLimits.executionTimeoutMs;
    const theirs = caller?.timeoutCapMs;
    const cap = own === undefined ? theirs : theirs === undefined ? own : Math.min(own, theirs);
    const wanted = requested ?? defaultMs ?? cap;
    return wanted !== undefined && cap !== undefined ? Math.min(wanted, cap) : wanted;
  }

  /** Flushes and closes the audit log (only one the gate opened itself). */
  async close(): Promise<void> {
    if (typeof this.auditLog === 'string') await this.audit?.close();
  }

  /** True when records go to a log, or fail because it could not be opened (fail closed). */
  private get keepsLog(): boolean {
    return this.audit !== undefined || this.auditFailure !== undefined;
  }

  // An execute()d command's decision and end are appended inside its `orchflow.audit.write` span.
  private writeTraced(record: AuditDecision | AuditEnd): Promise<void> {
    return CommandTrace.auditWrite(record.commandId, record.kind, this.audit !== undefined, () =>
      this.write(record),
    );
  }

  private async write(record: AuditRecord): Promise<void> {
    if (this.auditFailure) throw this.auditFailure;
    if (!this.audit) return;
    // Secrets in a command line (or an error quoting it) never reach the log.
    record = this.redactions.entry(record);
    if (!this.onAuditWrite) {
      await this.audit.append(record);
      return;
    }
    const began = performance.now();
    try {
      await this.audit.append(record);
    } catch (error) {
      this.onAuditWrite(performance.now() - began, false);
      throw error;
    }
    this.onAuditWrite(performance.now() - began, true);
  }
}
