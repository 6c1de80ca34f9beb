// One MCP client's view of orchflow: an `OrchflowClient` connected as that client's principal,
// the agent id its terminals belong to, and the records of the terminals it has touched. The
// same class serves embedded mode (`OrchflowClient.direct`) and `--connect` (a remote client).

import { createHash } from 'node:crypto';
import type { OrchflowClient } from '@orchflow/client';
import { ErrorCode, OrchflowError, type Principal, type TerminalConfig } from '@orchflow/protocol';
import type { McpAuditRedaction } from './audit';
import { TerminalRecord } from './terminal-record';

/** Who an MCP client is: its `clientInfo` and, over HTTP, the principal its token maps to. */
export interface McpClientIdentity {
  /** `clientInfo.name` from the MCP handshake (or the 2026 request envelope). */
  name: string;
  /** `clientInfo.version`, when given. */
  version?: string;
  /** The principal an HTTP token authenticated as; absent on stdio. */
  principal?: Principal;
  /**
   * The MCP session id of a 2025-era Streamable HTTP session (`Mcp-Session-Id`). Absent on stdio
   * (one process, one client) and for 2026-07-28 requests (that revision has no sessions).
   */
  session?: string;
}

// Names and versions come from the client: keep them short and free of control characters
// (they end up in agent ids and audit lines).
function clean(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value
    .replace(/[\x00-\x1f\x7f]/g, '')
    .trim()
    .slice(0, max);
  return text || undefined;
}

/** The identity of a client from its `clientInfo` (as sent, unchecked) and transport facts. */
export function identityOf(
  clientInfo: unknown,
  principal: Principal | undefined,
  session?: string,
): McpClientIdentity {
  const info = (typeof clientInfo === 'object' && clientInfo !== null ? clientInfo : {}) as {
    name?: unknown;
    version?: unknown;
  };
  const version = clean(info.version, 100);
  return {
    name: clean(info.name, 100) ?? 'mcp-client',
    ...(version === undefined ? {} : { version }),
    ...(principal === undefined ? {} : { principal }),
    ...(session === undefined ? {} : { session }),
  };
}

/** A connected orchflow client and the agent id its MCP client's terminals belong to. */
export interface McpConnection {
  client: OrchflowClient;
  agentId: string;
  /**
   * Redacts text built from a terminal's output (its plain text) with that terminal's secrets
   * (set by `directConnector`); absent, the built-in patterns only.
   */
  redactText?: (terminalId: string, text: string) => string;
}

/**
 * Opens the orchflow connection for one MCP client. `redactAudit`, when set (by
 * `directConnector`), redacts the server's audit entries with the orchestrator's secrets.
 */
export type McpConnector = ((identity: McpClientIdentity) => Promise<McpConnection>) & {
  redactAudit?: McpAuditRedaction;
};

/** An MCP client name made safe for an agent id: letters, digits, `.`, `_`, `-`; at most 64. */
export function agentSlug(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
  return slug || 'client';
}

/**
 * A short tag naming an MCP session in agent ids: 12 hex digits of the session id's SHA-256, so the
 * id itself (which addresses the session) never shows in terminal lists or audit lines.
 */
export function sessionTag(session: string): string {
  return createHash('sha256').update(session).digest('hex').slice(0, 12);
}

/**
 * The agent id for an MCP client: `mcp-<client name>`, plus `-<session tag>` for a 2025-era HTTP
 * session (so two such clients never share terminals), or what its principal allows: an agent
 * token's `agentIdPrefix` goes in front; a token naming exact `agentIds` gets the first of them.
 */
export function agentIdFor(identity: McpClientIdentity): string {
  const principal = identity.principal;
  const slug = agentSlug(identity.name);
  const own = identity.session === undefined ? `mcp-${slug}` : `mcp-${slug}-${sessionTag(identity.session)}`;
  if (principal?.kind === 'agent') {
    if (principal.agentIdPrefix !== undefined) return `${principal.agentIdPrefix}${own}`;
    const first = principal.agentIds?.[0];
    if (first !== undefined) return first;
  }
  return own;
}

/** One MCP client's terminals and connection. */
export class AgentSession {
  private readonly records = new Map<string, Promise<TerminalRecord>>();
  /** The records of {@link AgentSession.records} that have opened (for the synchronous `active`). */
  private readonly opened = new Map<string, TerminalRecord>();
  /** The terminal `terminal_run` uses when no `terminal_id` is given. */
  private defaultId: string | undefined;
  /** Shells spawned for runs without a `terminal_id` while the default was busy (reused). */
  private readonly spares = new Set<string>();

  constructor(private readonly connection: McpConnection) {}

  /** The orchflow client. */
  get client(): OrchflowClient {
    return this.connection.client;
  }

  /** The agent id new terminals are spawned for. */
  get agentId(): string {
    return this.connection.agentId;
  }

  /** Spawns a terminal for this agent and starts tracking it. */
  async spawn(config: TerminalConfig = {}): Promise<TerminalRecord> {
    const terminal = await this.client.spawnTerminal(this.agentId, config);
    return this.track(terminal.id, TerminalRecord.open(terminal, this.connection.redactText));
  }

  /** The record of terminal `id`, found among the terminals this client may see. */
  async record(id: string): Promise<TerminalRecord> {
    const known = this.records.get(id);
    if (known) return known;
    const info = (await this.client.listTerminals()).find((t) => t.id === id);
    if (!info || info.state === 'exited') {
      throw new OrchflowError(
        ErrorCode.TerminalNotFound,
        `No terminal '${id}' (call terminal_list for the terminals you can use, or terminal_spawn)`,
      );
    }
    return this.track(id, TerminalRecord.open(this.client.handle(info), this.connection.redactText));
  }

  /**
   * When a command started here last ended (ms since epoch; 0 for none): an agent comes back for
   * the result of a long command after it ended, so the idle period counts from then as well.
   */
  get lastActiveAt(): number {
    let at = 0;
    for (const record of this.opened.values()) at = Math.max(at, record.current?.endedAt ?? 0);
    return at;
  }

  /** True while one of its terminals has a command in flight or a call waiting on it. */
  get active(): boolean {
    for (const record of this.opened.values()) if (record.busy || record.claimed || record.held) return true;
    return false;
  }

  /**
   * The terminal a `terminal_run` without a `terminal_id` uses, claimed for it (see
   * {@link TerminalRecord.claimed}; the caller releases it once its command started): the agent's
   * default shell; while that one is busy, a free spare shell that an earlier such run spawned; else
   * a new shell (the default if there is none yet, a spare otherwise). The default stays the
   * default, so its `cd`s and `export`s keep applying to later runs; spares only absorb runs made
   * in parallel, and are reused rather than spawned again.
   */
  async defaultRecord(cwd: string | undefined): Promise<{ record: TerminalRecord; fresh: boolean }> {
    for (const id of [this.defaultId, ...this.spares]) {
      if (id === undefined) continue;
      const record = await this.records.get(id)?.catch(() => undefined);
      if (!record || record.exited || record.terminal.info().state === 'exited') {
        // Gone (the agent typed `exit`): a spare, if any, becomes the default.
        if (this.defaultId === id) this.defaultId = undefined;
        this.spares.delete(id);
        continue;
      }
      // No await between the check and the claim: a parallel call sees the claim.
      if (!record.free) continue;
      record.claimed = true;
      if (this.defaultId === undefined) {
        this.spares.delete(id);
        this.defaultId = id;
      }
      return { record, fresh: false };
    }
    const record = await this.spawn(cwd === undefined ? {} : { cwd });
    record.claimed = true;
    if (this.defaultId === undefined) this.defaultId = record.id;
    else this.spares.add(record.id);
    return { record, fresh: true };
  }

  /** Forgets terminal `id` (after it was killed). */
  forget(id: string): void {
    const record = this.records.get(id);
    this.records.delete(id);
    this.opened.delete(id);
    this.spares.delete(id);
    if (this.defaultId === id) this.defaultId = undefined;
    void record?.then((r) => r.dispose()).catch(() => undefined);
  }

  private track(id: string, record: Promise<TerminalRecord>): Promise<TerminalRecord> {
    this.records.set(id, record);
    record.then(
      (opened) => {
        if (this.records.get(id) === record) this.opened.set(id, opened);
      },
      () => this.records.delete(id),
    );
    return record;
  }

  /** Stops tracking every terminal and closes the connection (the server then kills its terminals). */
  async close(): Promise<void> {
    for (const id of [...this.records.keys()]) this.forget(id);
    await this.client.close().catch(() => undefined);
  }
}
