// `OrchflowMcpServer`: the MCP face of orchflow. It builds SDK `McpServer` instances (one per
// connection on stdio, one per request over Streamable HTTP, as the SDK's serving entries ask),
// all backed by one store of per-client sessions, so a `running` handle from one request is
// picked up by the next. Each MCP client (its clientInfo name, plus its token's principal over
// HTTP, plus its MCP session id for 2025-era HTTP sessions) gets its own orchflow connection and
// agent id. Every tool call and resource read is counted (idle expiry) and audited here.
import { CLIENT_INFO_META_KEY, McpServer, type ServerContext } from '@modelcontextprotocol/server';
import { ErrorCode, type InternalErrorDetail, OrchflowError, type Principal } from '@orchflow/protocol';
import { auditedRun, builtinAuditRedaction, type McpAuditRedaction, type McpAuditSink } from './audit';
import { checkIdleMs, IdleClock } from './idle';
import { type CallInfo, wrapHandlers } from './in-flight';
import { principalKey } from './principal-key';
import { registerResources } from './resources';
import { toolError } from './results';
import {
  AgentSession,
  agentIdFor,
  identityOf,
  type McpClientIdentity,
  type McpConnection,
  type McpConnector,
} from './session';
import { registerSubscriptions } from './subscriptions';
import type { ToolHost } from './tool-host';
import { ALL_TOOLS, READ_ONLY_TOOLS } from './tool-names';
import { registerRun, registerWait } from './tools-run';
import {
  registerKill,
  registerList,
  registerRead,
  registerSnapshot,
  registerSpawn,
  registerWrite,
} from './tools-terminal';

/** The server name sent in the MCP handshake. */
export const MCP_SERVER_NAME = 'orchflow';

/** Options of {@link createMcpServer}. */
export interface OrchflowMcpOptions {
  /** Opens the orchflow connection for each MCP client; see {@link directConnector}. */
  connect: McpConnector;
  /** Register only the tools that do not change anything ({@link READ_ONLY_TOOLS}). */
  readOnly?: boolean;
  /** Version reported in the MCP handshake. Default `0.0.0`. */
  version?: string;
  /** Most MCP clients with an open session before new ones are refused. Default {@link DEFAULT_MAX_MCP_SESSIONS}. */
  maxSessions?: number;
  /**
   * Most of those sessions one principal (one token of the HTTP server) may hold, so a token that
   * keeps opening sessions (a new client name each time) cannot lock the others out; past it its
   * new clients are refused with Overloaded. Default: all of `maxSessions` (`orchflow serve --mcp`
   * passes half when it has more than one token).
   */
  maxSessionsPerPrincipal?: number;
  /**
   * Closes a client's session (its orchflow connection, so its terminals are killed) after this
   * many ms without a tool or resource call, once none of its terminals runs a command or holds a
   * call. Default {@link DEFAULT_MCP_SESSION_IDLE_MS} (30 minutes); 0 never expires sessions.
   */
  sessionIdleMs?: number;
  /**
   * Audit log for every tool call and resource read (reads included): an `AuditLog` from
   * `@orchflow/security`, e.g. the one given to the orchestrator's `withAuditLog`. A call whose
   * entry cannot be written returns a tool error instead of its result.
   */
  auditLog?: McpAuditSink;
  /**
   * Redacts each audit entry (its error text and terminal id) before it is written. Default: the
   * connector's (`directConnector` redacts with the orchestrator's secrets, as its own entries),
   * else {@link builtinAuditRedaction} (the built-in patterns only).
   */
  redactAudit?: McpAuditRedaction;
  /**
   * Hears the server's own internal failures: a call whose audit entry could not be written. Each
   * arrives as an `OrchflowError` (InternalError) whose `data` is an `InternalErrorReport` with
   * the error id the caller was given (a client over HTTP gets only what failed and that id; see
   * {@link McpServerContext.internalErrorDetail}) and what was thrown as `cause`: log it, so the id
   * leads there. Must not throw.
   */
  onError?: (error: Error) => void;
}

/** Default cap on MCP clients with an open session (each holds one orchflow connection): 64. */
export const DEFAULT_MAX_MCP_SESSIONS = 64;

function checkCount(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) {
    throw new OrchflowError(ErrorCode.InvalidParams, `${name} must be a whole number >= 1, got ${value}`);
  }
}

/** The refusal of a principal's session past its share. */
export function sharesExhausted(share: number, total: number): OrchflowError {
  return new OrchflowError(
    ErrorCode.Overloaded,
    `This token already holds ${share} MCP sessions, its share of the server's ${total}; end one (or let one go idle) and retry`,
    { limit: share },
  );
}

/** What a serving entry knows when it builds a server instance (HTTP: the authenticated principal). */
export interface McpServerContext {
  principal?: Principal;
  /**
   * What a client of this instance learns of the server's own internal failures (see
   * `OrchflowMcpOptions.onError`): `full` (default; stdio, whose client started the server) or
   * `redacted` (only what failed and an error id), which `createMcpHttpHandler` always uses: its
   * clients may be on other hosts and must not learn host paths.
   */
  internalErrorDetail?: InternalErrorDetail;
}

/** Tools a `viewer` principal may not call: they run, type into or start and stop terminals. */
const CONTROL_TOOLS: ReadonlySet<string> = new Set(
  ALL_TOOLS.filter((tool) => !(READ_ONLY_TOOLS as readonly string[]).includes(tool)),
);

function clientInfoOf(server: McpServer, ctx: ServerContext): unknown {
  // 2026-07-28 requests carry clientInfo in their envelope; 2025 connections sent it in initialize.
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  return envelope?.[CLIENT_INFO_META_KEY] ?? server.server.getClientVersion();
}

function principalOf(ctx: ServerContext): Principal | undefined {
  return ctx.http?.authInfo?.extra?.principal as Principal | undefined;
}

/** The session key of an identity: one session per token principal, client name and MCP session. */
function keyOfIdentity(identity: McpClientIdentity): string {
  return JSON.stringify([principalKey(identity.principal), identity.name, identity.session ?? null]);
}

/**
 * The MCP server: hands out SDK server instances for the serving entries and keeps the sessions
 * of the MCP clients they serve. Create it with {@link createMcpServer}.
 */
export class OrchflowMcpServer {
  private readonly sessions = new Map<string, Promise<AgentSession>>();
  /** The sessions of {@link OrchflowMcpServer.sessions} that have opened (for synchronous checks). */
  private readonly openedSessions = new Map<string, AgentSession>();
  private readonly clocks = new Map<string, IdleClock>();
  /** Calls being served per client key (a session is never expired under one). */
  private readonly calls = new Map<string, number>();
  private readonly idleMs: number;
  private closed = false;

  /** Throws InvalidParams for a bad `sessionIdleMs`, `maxSessions` or `maxSessionsPerPrincipal`. */
  constructor(private readonly options: OrchflowMcpOptions) {
    this.idleMs = checkIdleMs(options.sessionIdleMs);
    checkCount('maxSessions', options.maxSessions);
    checkCount('maxSessionsPerPrincipal', options.maxSessionsPerPrincipal);
  }

  /** True when only read-only tools are registered. */
  get readOnly(): boolean {
    return this.options.readOnly === true;
  }

  /** The idle period after which a client's session is closed (ms; 0: never). */
  get sessionIdleMs(): number {
    return this.idleMs;
  }

  /** Most MCP clients served at once. */
  get maxSessions(): number {
    return this.options.maxSessions ?? DEFAULT_MAX_MCP_SESSIONS;
  }

  /** Most of them one principal may hold. */
  get maxSessionsPerPrincipal(): number {
    return Math.min(this.options.maxSessionsPerPrincipal ?? this.maxSessions, this.maxSessions);
  }

  /**
   * A fresh SDK server with orchflow's tools and resources (the factory for the SDK's entries).
   * A `viewer` principal gets only the read-only tools.
   */
  createServer(context: McpServerContext = {}): McpServer {
    const server = new McpServer(
      { name: MCP_SERVER_NAME, version: this.options.version ?? '0.0.0' },
      {
        capabilities: { tools: {}, resources: { subscribe: true } },
        instructions:
          "orchflow gives you real terminals. terminal_run runs a command in your persistent shell and returns its exit code; long commands return status 'running' with a terminal_id: call terminal_wait instead of polling.",
      },
    );
    const host: ToolHost = { session: (ctx) => this.session(server, ctx) };
    const detail = context.internalErrorDetail ?? 'full';
    wrapHandlers(server, (info, ctx, run) => this.call(server, info, ctx, run, detail));
    registerWait(server, host);
    registerRead(server, host);
    registerSnapshot(server, host);
    registerList(server, host);
    if (!this.readOnly && context.principal?.kind !== 'viewer') {
      registerRun(server, host);
      registerWrite(server, host);
      registerSpawn(server, host);
      registerKill(server, host);
    }
    registerResources(server, host);
    registerSubscriptions(server, host);
    return server;
  }

  /** The session of the client making `ctx`'s request (opened on first use). */
  session(server: McpServer, ctx: ServerContext): Promise<AgentSession> {
    return this.sessionFor(this.clientOf(server, ctx));
  }

  /** The session of `identity` (opened on first use); for requests served outside an SDK server. */
  sessionFor(identity: McpClientIdentity): Promise<AgentSession> {
    if (this.closed) return Promise.reject(new Error('The orchflow MCP server is closed'));
    const key = keyOfIdentity(identity);
    let session = this.sessions.get(key);
    if (!session && this.sessions.size >= this.maxSessions) {
      return Promise.reject(
        new OrchflowError(
          ErrorCode.Overloaded,
          `This MCP server already serves ${this.sessions.size} clients`,
        ),
      );
    }
    const share = this.maxSessionsPerPrincipal;
    if (!session && share < this.maxSessions && this.heldBy(identity.principal) >= share) {
      return Promise.reject(sharesExhausted(share, this.maxSessions));
    }
    if (!session) {
      session = this.options.connect(identity).then((connection) => this.opened(key, connection));
      this.sessions.set(key, session);
      session.catch(() => this.sessions.delete(key));
    }
    this.clocks.get(key)?.touch();
    return session;
  }

  /** Sessions (opening or open) of clients with `principal`. */
  private heldBy(principal: Principal | undefined): number {
    // Keys start with the principal (keyOfIdentity).
    const prefix = `[${JSON.stringify(principalKey(principal))},`;
    let held = 0;
    for (const key of this.sessions.keys()) if (key.startsWith(prefix)) held++;
    return held;
  }

  /**
   * The identity of the client making `ctx`'s request. `ctx.sessionId` is set only by sessionful
   * transports: over HTTP, the 2025-era sessions {@link createMcpHttpHandler} keeps.
   */
  private clientOf(server: McpServer, ctx: ServerContext): McpClientIdentity {
    return identityOf(clientInfoOf(server, ctx), principalOf(ctx), ctx.sessionId);
  }

  /**
   * Closes the sessions of MCP session `session` (the client ended it, or the HTTP handler
   * expired it): its orchflow connection closes and the orchestrator kills its terminals.
   */
  async endSession(session: string): Promise<void> {
    const ending: Promise<AgentSession>[] = [];
    for (const [key, opened] of [...this.sessions]) {
      const parsed = JSON.parse(key) as [unknown, string, string | null];
      if (parsed[2] !== session) continue;
      this.clocks.get(key)?.stop();
      this.clocks.delete(key);
      this.sessions.delete(key);
      this.openedSessions.delete(key);
      ending.push(opened);
    }
    await Promise.all(ending.map((s) => s.then((x) => x.close()).catch(() => undefined)));
  }

  /** True while a call of `identity`'s session is served or one of its terminals is busy. */
  busy(identity: McpClientIdentity): boolean {
    const key = keyOfIdentity(identity);
    return this.calls.has(key) || this.openedSessions.get(key)?.active === true;
  }

  /** When a command of this client's session last ended (ms since epoch; 0 for none). */
  lastActiveAt(identity: McpClientIdentity): number {
    return this.openedSessions.get(keyOfIdentity(identity))?.lastActiveAt ?? 0;
  }

  // One tool call or resource read: refused for a viewer when it controls terminals, counted for
  // idle expiry while it is served, and audited once it ended.
  private call(
    server: McpServer,
    info: CallInfo,
    ctx: ServerContext,
    run: () => unknown,
    detail: InternalErrorDetail,
  ): unknown {
    const identity = this.clientOf(server, ctx);
    if (info.kind === 'tool' && CONTROL_TOOLS.has(info.name) && identity.principal?.kind === 'viewer') {
      // Not registered for viewers (createServer); this holds even for an instance built without the principal.
      run = async () =>
        toolError(
          new OrchflowError(
            ErrorCode.Forbidden,
            `'${info.name}' controls terminals; a viewer principal may only read`,
          ),
        );
    }
    const key = keyOfIdentity(identity);
    const audit = this.options.auditLog;
    if (!audit) return this.during(key, run);
    const terminalId = info.args?.terminal_id ?? info.args?.id;
    const subject = {
      tool: info.kind === 'tool' ? info.name : 'resources/read',
      principal: identity.principal,
      client: identity.name,
      ...(typeof terminalId === 'string' ? { terminalId } : {}),
    };
    // The agent id as of the call's end: a first call opens the session while it runs.
    const agentId = () => this.openedSessions.get(key)?.agentId ?? agentIdFor(identity);
    const redact = this.options.redactAudit ?? this.options.connect.redactAudit ?? builtinAuditRedaction;
    const onError = this.options.onError;
    return this.during(key, () =>
      auditedRun(audit, subject, agentId, info.kind === 'tool', run, { redact, detail, onError }),
    );
  }

  // Counts a call for its client while it is served; its end restarts the idle period too.
  private during(key: string, run: () => unknown): unknown {
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
    const done = () => {
      const left = (this.calls.get(key) ?? 1) - 1;
      if (left > 0) this.calls.set(key, left);
      else this.calls.delete(key);
      this.clocks.get(key)?.touch();
    };
    try {
      const result = run();
      if (result instanceof Promise) return result.finally(done);
      done();
      return result;
    } catch (error) {
      done();
      throw error;
    }
  }

  private opened(key: string, connection: McpConnection): AgentSession {
    const session = new AgentSession(connection);
    if (this.closed) return session; // close() closes it; no clock to leak
    this.openedSessions.set(key, session);
    const clock = new IdleClock(
      this.idleMs,
      () => this.calls.has(key) || session.active,
      () => {
        // Forget it first: the next call from this client opens a fresh session.
        this.clocks.delete(key);
        this.sessions.delete(key);
        this.openedSessions.delete(key);
        void session.close();
      },
      () => session.lastActiveAt,
    );
    this.clocks.set(key, clock);
    return session;
  }

  /** Closes every client's session; the orchestrator then kills the terminals they spawned. */
  async close(): Promise<void> {
    this.closed = true;
    for (const clock of this.clocks.values()) clock.stop();
    this.clocks.clear();
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    this.openedSessions.clear();
    await Promise.all(sessions.map((s) => s.then((x) => x.close()).catch(() => undefined)));
  }
}

/** Creates the orchflow MCP server. */
export function createMcpServer(options: OrchflowMcpOptions): OrchflowMcpServer {
  return new OrchflowMcpServer(options);
}
