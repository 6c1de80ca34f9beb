// `OrchflowMcpServer`: the MCP face of orchflow. It builds SDK `McpServer` instances (one per
// connection on stdio, one per request over Streamable HTTP, as the SDK's serving entries ask),
// all backed by one store of per-client sessions, so a `running` handle from one request is
// picked up by the next. Each MCP client (its clientInfo name, plus its token's principal over
// HTTP) gets its own orchflow connection and agent id.
import { CLIENT_INFO_META_KEY, McpServer, type ServerContext } from '@modelcontextprotocol/server';
import { type DirectConnectable, OrchflowClient } from '@orchflow/client';
import { ErrorCode, OrchflowError, type Principal } from '@orchflow/protocol';
import { checkIdleMs, IdleClock } from './idle';
import { wrapHandlers } from './in-flight';
import { registerResources } from './resources';
import {
  AgentSession,
  agentIdFor,
  type McpClientIdentity,
  type McpConnection,
  type McpConnector,
} from './session';
import { registerSubscriptions } from './subscriptions';
import type { ToolHost } from './tool-host';
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

/** The tools registered under `readOnly`. */
export const READ_ONLY_TOOLS = [
  'terminal_read',
  'terminal_list',
  'terminal_snapshot',
  'terminal_wait',
] as const;

/** Every tool name. */
export const ALL_TOOLS = [
  'terminal_run',
  'terminal_wait',
  'terminal_read',
  'terminal_write',
  'terminal_snapshot',
  'terminal_spawn',
  'terminal_list',
  'terminal_kill',
] as const;

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
   * Closes a client's session (its orchflow connection, so its terminals are killed) after this
   * many ms without a tool or resource call, once none of its terminals runs a command or holds a
   * call. Default {@link DEFAULT_MCP_SESSION_IDLE_MS} (30 minutes); 0 never expires sessions.
   */
  sessionIdleMs?: number;
}

/** Default cap on MCP clients with an open session (each holds one orchflow connection): 64. */
export const DEFAULT_MAX_MCP_SESSIONS = 64;

/** Per-request inputs the serving entries pass in (HTTP: the authenticated principal). */
export interface McpRequestIdentity {
  principal?: Principal;
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

function clientInfoOf(server: McpServer, ctx: ServerContext): { name: string; version?: string } {
  // 2026-07-28 requests carry clientInfo in their envelope; 2025 connections sent it in initialize.
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  const info = (envelope?.[CLIENT_INFO_META_KEY] ?? server.server.getClientVersion()) as
    | { name?: unknown; version?: unknown }
    | undefined;
  return { name: clean(info?.name, 100) ?? 'mcp-client', version: clean(info?.version, 100) };
}

function principalOf(ctx: ServerContext): Principal | undefined {
  return ctx.http?.authInfo?.extra?.principal as Principal | undefined;
}

/**
 * The MCP server: hands out SDK server instances for the serving entries and keeps the sessions
 * of the MCP clients they serve. Create it with {@link createMcpServer}.
 */
export class OrchflowMcpServer {
  private readonly sessions = new Map<string, Promise<AgentSession>>();
  private readonly clocks = new Map<string, IdleClock>();
  /** Calls being served per client key (a session is never expired under one). */
  private readonly calls = new Map<string, number>();
  private readonly idleMs: number;
  private closed = false;

  /** Throws InvalidParams for a bad `sessionIdleMs`. */
  constructor(private readonly options: OrchflowMcpOptions) {
    this.idleMs = checkIdleMs(options.sessionIdleMs);
  }

  /** True when only read-only tools are registered. */
  get readOnly(): boolean {
    return this.options.readOnly === true;
  }

  /** A fresh SDK server with orchflow's tools and resources (the factory for the SDK's entries). */
  createServer(): McpServer {
    const server = new McpServer(
      { name: MCP_SERVER_NAME, version: this.options.version ?? '0.0.0' },
      {
        capabilities: { tools: {}, resources: { subscribe: true } },
        instructions:
          "orchflow gives you real terminals. terminal_run runs a command in your persistent shell and returns its exit code; long commands return status 'running' with a terminal_id: call terminal_wait instead of polling.",
      },
    );
    const host: ToolHost = { session: (ctx) => this.session(server, ctx) };
    wrapHandlers(server, (ctx, run) => this.during(this.keyOf(server, ctx).key, run));
    registerWait(server, host);
    registerRead(server, host);
    registerSnapshot(server, host);
    registerList(server, host);
    if (!this.readOnly) {
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
    if (this.closed) return Promise.reject(new Error('The orchflow MCP server is closed'));
    const { identity, key } = this.keyOf(server, ctx);
    let session = this.sessions.get(key);
    if (!session && this.sessions.size >= (this.options.maxSessions ?? DEFAULT_MAX_MCP_SESSIONS)) {
      return Promise.reject(
        new OrchflowError(
          ErrorCode.Overloaded,
          `This MCP server already serves ${this.sessions.size} clients`,
        ),
      );
    }
    if (!session) {
      session = this.options.connect(identity).then((connection) => this.opened(key, connection));
      this.sessions.set(key, session);
      session.catch(() => this.sessions.delete(key));
    }
    this.clocks.get(key)?.touch();
    return session;
  }

  private keyOf(server: McpServer, ctx: ServerContext): { identity: McpClientIdentity; key: string } {
    const identity: McpClientIdentity = { ...clientInfoOf(server, ctx), principal: principalOf(ctx) };
    return { identity, key: JSON.stringify([identity.principal ?? null, identity.name]) };
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
    const clock = new IdleClock(
      this.idleMs,
      () => this.calls.has(key) || session.active,
      () => {
        // Forget it first: the next call from this client opens a fresh session.
        this.clocks.delete(key);
        this.sessions.delete(key);
        void session.close();
      },
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
    await Promise.all(sessions.map((s) => s.then((x) => x.close()).catch(() => undefined)));
  }
}

/** Creates the orchflow MCP server. */
export function createMcpServer(options: OrchflowMcpOptions): OrchflowMcpServer {
  return new OrchflowMcpServer(options);
}

/**
 * Embedded mode: each MCP client connects in-process to `orchestrator` as an agent principal
 * named `mcp:<client name>` (the name audit lines carry) that owns only its own agent id. An HTTP
 * token's principal is kept (an admin token still sees every terminal), renamed the same way.
 */
export function directConnector(orchestrator: DirectConnectable): McpConnector {
  return async (identity) => {
    const agentId = agentIdFor(identity);
    const name = `mcp:${identity.name}`;
    const principal: Principal =
      identity.principal === undefined
        ? { kind: 'agent', name, agentIds: [agentId] }
        : {
            ...identity.principal,
            name: identity.principal.name ? `${identity.principal.name}/${name}` : name,
          };
    const client = await OrchflowClient.direct(orchestrator, {
      principal,
      clientInfo: { name, version: identity.version },
    });
    return { client, agentId };
  };
}

/**
 * Front mode (`--connect`): each MCP client gets its own connection from `open` (e.g. a WebSocket
 * to a running `orchflow serve`); the server's token decides what it may do.
 */
export function clientConnector(
  open: (identity: McpClientIdentity) => Promise<OrchflowClient>,
): McpConnector {
  return async (identity) => {
    const client = await open(identity);
    return { client, agentId: agentIdFor({ ...identity, principal: client.principal }) };
  };
}
