// What one connection's principal may see and do. An admin sees every terminal; an agent sees
// and controls only terminals owned by agent ids it may act as, and a terminal it may not see is
// reported exactly like one that does not exist, so ids of other agents' terminals do not leak.
import { ErrorCode, OrchflowError, type Principal, type TerminalInfo } from '@orchflow/protocol';

/** The admin principal: sees and controls everything. */
export const ADMIN_PRINCIPAL: Principal = Object.freeze({ kind: 'admin' });

/** Checks the actions of one principal. */
export class PrincipalScope {
  constructor(
    /** The principal being checked. */
    readonly principal: Principal,
  ) {}

  /** True for an admin principal. */
  get isAdmin(): boolean {
    return this.principal.kind === 'admin';
  }

  /**
   * True when the principal may act as `agentId`: an admin always; an agent when the id is in
   * `agentIds` or starts with `agentIdPrefix`; an agent that names neither may act only as its `name`.
   */
  mayActAs(agentId: string): boolean {
    const p = this.principal;
    if (p.kind === 'admin') return true;
    if (p.agentIds === undefined && p.agentIdPrefix === undefined) return p.name === agentId;
    return (
      (p.agentIds?.includes(agentId) ?? false) ||
      (p.agentIdPrefix !== undefined && agentId.startsWith(p.agentIdPrefix))
    );
  }

  /** True when the principal may see and control this terminal. */
  canSee(info: Pick<TerminalInfo, 'agentId'>): boolean {
    return this.mayActAs(info.agentId);
  }

  /** Throws Forbidden unless the principal may act as `agentId`. */
  assertMayActAs(agentId: string): void {
    if (this.mayActAs(agentId)) return;
    throw new OrchflowError(
      ErrorCode.Forbidden,
      `This connection's principal may not act as agent '${agentId}'; use an agent id it was granted (${this.describeGrant()})`,
      { agentId },
    );
  }

  /** Throws Forbidden unless the principal is an admin. */
  assertAdmin(method: string): void {
    if (this.isAdmin) return;
    throw new OrchflowError(
      ErrorCode.Forbidden,
      `'${method}' is an emergency control and needs an admin principal; connect with an admin token`,
      { method },
    );
  }

  private describeGrant(): string {
    const p = this.principal;
    if (p.kind === 'admin') return 'any';
    const parts: string[] = [];
    if (p.agentIds) parts.push(`agentIds ${JSON.stringify(p.agentIds)}`);
    if (p.agentIdPrefix !== undefined) parts.push(`prefix '${p.agentIdPrefix}'`);
    if (parts.length === 0) parts.push(p.name === undefined ? 'none' : `name '${p.name}'`);
    return parts.join(', ');
  }
}
