// What one connection's principal may see and do. An admin sees and controls every terminal; an
// agent sees and controls only terminals owned by agent ids it may act as, and a terminal it may
// not see is reported exactly like one that does not exist, so ids of other agents' terminals do
// not leak; a viewer sees every terminal and controls none. Reading and controlling are separate
// checks (`canRead`, `canControl`), and the methods a viewer may call at all are one list
// (`VIEWER_METHODS`) that serveChannel enforces before any handler runs: a method added later is
// refused to viewers unless it is added there.
import {
  ErrorCode,
  type MethodName,
  OrchflowError,
  type Principal,
  type TerminalInfo,
} from '@orchflow/protocol';

/** The admin principal: sees and controls everything. */
export const ADMIN_PRINCIPAL: Principal = Object.freeze({ kind: 'admin' });

/**
 * The methods a viewer principal may call: reading terminals, their output, activity and history,
 * and metrics; plus the connection's own housekeeping. Everything else is Forbidden for viewers.
 */
export const VIEWER_METHODS: ReadonlySet<MethodName> = new Set<MethodName>([
  'terminal.list',
  'terminal.read',
  'terminal.subscribe',
  'terminal.unsubscribe',
  'terminal.snapshot',
  'terminal.activity',
  'terminal.history',
  'orchestrator.metrics',
  '$/ping',
  // A viewer spawns nothing, so its clean end releases nothing.
  '$/shutdown',
]);

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

  /** True for a principal that may only read (a viewer). */
  get isReadOnly(): boolean {
    return this.principal.kind === 'viewer';
  }

  /** True when the principal sees every terminal and every alert (an admin or a viewer). */
  get readsAll(): boolean {
    return this.principal.kind !== 'agent';
  }

  /**
   * True when the principal may act as `agentId`: an admin always; a viewer never; an agent when
   * the id is in `agentIds` or starts with `agentIdPrefix`; an agent that names neither may act
   * only as its `name`.
   */
  mayActAs(agentId: string): boolean {
    const p = this.principal;
    if (p.kind !== 'agent') return p.kind === 'admin';
    if (p.agentIds === undefined && p.agentIdPrefix === undefined) return p.name === agentId;
    return (
      (p.agentIds?.includes(agentId) ?? false) ||
      (p.agentIdPrefix !== undefined && agentId.startsWith(p.agentIdPrefix))
    );
  }

  /** True when the principal may see this terminal: its output, screen, activity and history. */
  canRead(info: Pick<TerminalInfo, 'agentId'>): boolean {
    return this.readsAll || this.mayActAs(info.agentId);
  }

  /** True when the principal may control this terminal: run commands, type, resize, kill. */
  canControl(info: Pick<TerminalInfo, 'agentId'>): boolean {
    return this.mayActAs(info.agentId);
  }

  /** Throws Forbidden when a viewer calls `method` and it is not one of {@link VIEWER_METHODS}. */
  assertMayCall(method: string): void {
    if (!this.isReadOnly || VIEWER_METHODS.has(method as MethodName)) return;
    throw readOnly(method, this.principal);
  }

  /** Throws Forbidden unless the principal may act as `agentId`. */
  assertMayActAs(agentId: string, method = 'terminal.spawn'): void {
    if (this.mayActAs(agentId)) return;
    if (this.isReadOnly) throw readOnly(method, this.principal);
    throw new OrchflowError(
      ErrorCode.Forbidden,
      `This connection's principal may not act as agent '${agentId}'; use an agent id it was granted (${this.describeGrant()})`,
      { agentId },
    );
  }

  /** Throws Forbidden unless the principal is an admin. */
  assertAdmin(method: string): void {
    if (this.isAdmin) return;
    if (this.isReadOnly) throw readOnly(method, this.principal);
    throw new OrchflowError(
      ErrorCode.Forbidden,
      `'${method}' is an emergency control and needs an admin principal; connect with an admin token`,
      { method },
    );
  }

  private describeGrant(): string {
    const p = this.principal;
    if (p.kind !== 'agent') return p.kind === 'admin' ? 'any' : 'none';
    const parts: string[] = [];
    if (p.agentIds) parts.push(`agentIds ${JSON.stringify(p.agentIds)}`);
    if (p.agentIdPrefix !== undefined) parts.push(`prefix '${p.agentIdPrefix}'`);
    if (parts.length === 0) parts.push(p.name === undefined ? 'none' : `name '${p.name}'`);
    return parts.join(', ');
  }
}

/** The Forbidden error a viewer gets for a method that changes something. */
export function readOnly(method: string, principal: Principal): OrchflowError {
  const who = principal.name === undefined ? 'a viewer' : `viewer '${principal.name}'`;
  return new OrchflowError(
    ErrorCode.Forbidden,
    `This connection's principal is read-only (${who}): it may watch terminals but not call '${method}'. ` +
      "Connect with an admin token, or with an agent token to control that agent's own terminals",
    { method, principal: 'viewer' },
  );
}
