// The orchestrator's enforcement of a SecurityPolicy: the command policy each command is checked
// against, the audit log every decision and command end is recorded in (fail closed when it cannot
// be written), the launch wrapper that isolates each terminal's shell, the raw-input capability,
// and the execution timeout cap.
import {
  ErrorCode,
  type ExecResult,
  OrchflowError,
  type Principal,
  type TerminalConfig,
} from '@orchflow/protocol';
import {
  AuditLog,
  type AuditRecord,
  CommandPolicy,
  canWriteRawInput,
  createLaunchWrapper,
  isolationSpecFor,
  needsLaunchWrapper,
  type PolicyDecision,
  type SecurityPolicy,
  sha256Hex,
} from '@orchflow/security';
import type { TerminalSpawnOptions } from '@orchflow/terminal';
import { matchingGlob, SPAWN_DANGEROUS_ENV, SpawnGuard } from './spawn-guard';

/** Who a command is for, as the audit log records it. */
export interface AuditSubject {
  commandId: string;
  agentId: string;
  terminalId: string;
  command: string;
  principal?: string;
}

/** How the audit log names a principal: `admin`, `agent:<name>`, or an unnamed agent's grant. */
export function principalLabel(principal: Principal): string {
  if (principal.name !== undefined) return `${principal.kind}:${principal.name}`;
  if (principal.kind === 'admin') return 'admin';
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

  /** A gate for `policy` (already validated) writing to `auditLog` (a path or an open log). */
  constructor(
    readonly securityPolicy: SecurityPolicy | undefined,
    private readonly auditLog: string | AuditLog | undefined,
  ) {
    this.policy = securityPolicy && new CommandPolicy(securityPolicy);
    this.spawnGuard = securityPolicy && new SpawnGuard(securityPolicy);
  }

  /** `config` as the policy lets a terminal spawn with it; throws PolicyDenied (see SpawnGuard). */
  spawnConfig(config: TerminalConfig): TerminalConfig {
    return this.spawnGuard ? this.spawnGuard.check(config) : config;
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

  /** The policy's verdict on `command` run in `cwd`; undefined without a policy. */
  check(command: string, cwd: string | undefined): Promise<PolicyDecision | undefined> {
    return this.policy
      ? this.policy.check(command, cwd === undefined ? {} : { cwd })
      : Promise.resolve(undefined);
  }

  /** Records a decision; resolves once it is on disk. Rejects (fail closed) when it cannot be written. */
  async recordDecision(
    subject: AuditSubject,
    cwd: string | undefined,
    verdict: { allowed: boolean; rule?: string; reason?: string; decision?: PolicyDecision },
  ): Promise<void> {
    await this.write({
      kind: 'decision',
      ...subject,
      cwd,
      programs: verdict.decision?.commands.map((c) => c.program) ?? [],
      decision: verdict.allowed ? 'allow' : 'deny',
      rule: verdict.rule,
      reason: verdict.reason,
      isolation: this.securityPolicy?.isolationLevel ?? 'none',
    });
  }

  /** Records how an admitted command ended (its output's size and SHA-256). */
  async recordEnd(
    subject: AuditSubject,
    durationMs: number,
    result: ExecResult | undefined,
    error?: OrchflowError,
  ): Promise<void> {
    const output = result ? result.stdout + result.stderr : '';
    await this.write({
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

  /** The wrapper isolating a terminal spawned with `config` in `mode`, or undefined when none is needed. */
  launchFor(config: TerminalConfig, cwd: string): TerminalSpawnOptions['launch'] {
    if (!this.securityPolicy) return undefined;
    const spec = isolationSpecFor(this.securityPolicy, {
      workspace: cwd,
      // The scrub keeps the caller's own variables, never one that could run code.
      keepEnv: Object.keys(config.env ?? {}).filter(
        (name) =>
          matchingGlob(name, [...(this.securityPolicy?.dangerousVariables ?? []), ...SPAWN_DANGEROUS_ENV]) ===
          undefined,
      ),
    });
    if (!needsLaunchWrapper(spec)) return undefined;
    return createLaunchWrapper(spec, { pty: config.mode !== 'scripted' });
  }

  /** Throws Forbidden when the policy does not let raw input (keystrokes) reach a terminal. */
  assertRawInput(terminalId: string): void {
    if (this.securityPolicy && !canWriteRawInput(this.securityPolicy)) {
      throw new OrchflowError(
        ErrorCode.Forbidden,
        'Raw input is not allowed by the security policy: keystrokes would bypass the command allowlist. Use execute(), or set capabilities.canWriteRawInput',
        { terminalId, rule: 'capabilities.canWriteRawInput' },
      );
    }
  }

  /** `timeoutMs` for a command: the caller's, else the default, never above the policy's executionTimeoutMs. */
  timeoutFor(requested: number | undefined, defaultMs: number | undefined): number | undefined {
    const cap = this.securityPolicy?.resourceLimits.executionTimeoutMs;
    const wanted = requested ?? defaultMs ?? cap;
    return wanted !== undefined && cap !== undefined ? Math.min(wanted, cap) : wanted;
  }

  /** Flushes and closes the audit log (only one the gate opened itself). */
  async close(): Promise<void> {
    if (typeof this.auditLog === 'string') await this.audit?.close();
  }

  private async write(record: AuditRecord): Promise<void> {
    if (this.auditFailure) throw this.auditFailure;
    if (!this.audit) return;
    await this.audit.append(record);
  }
}
