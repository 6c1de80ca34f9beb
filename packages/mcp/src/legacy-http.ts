// 2025-era Streamable HTTP with sessions. The SDK's `createMcpHandler` would serve these clients
// statelessly (a fresh server per request, no `Mcp-Session-Id`): their `tools/call` requests then
// carry no clientInfo, so every such client behind one token was the same MCP client, with one
// agent id and shared terminals. Served here instead the way the SDK documents for existing
// 2025 deployments (`isLegacyRequest` in front of a modern-only handler): `initialize` opens a
// session with its own SDK server and `WebStandardStreamableHTTPServerTransport`, so each session
// keeps its clientInfo, gets its own agent id (from its session id), can receive
// `resources/updated` on its GET stream, and ends on DELETE, after the idle period, when its token
// opens one more than its share (`maxSessionsPerPrincipal`) and it is that token's least recently
// used idle session, or when the table is full and it is the least recently used idle session of
// the token holding the most.
import { randomUUID } from 'node:crypto';
import {
  type AuthInfo,
  isInitializeRequest,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import type { Principal } from '@orchflow/protocol';
import { IdleClock } from './idle';
import { principalKey } from './principal-key';
import { type OrchflowMcpServer, sharesExhausted } from './server';
import { identityOf } from './session';

interface LegacySession {
  transport: WebStandardStreamableHTTPServerTransport;
  /** The token principal that opened it (`principalKey`); every later request must come with the same one. */
  principalKey: string;
  clock?: IdleClock;
  /** When a request last came in (ms since epoch). */
  lastUse: number;
  /** True while a call is served or one of its terminals runs a command (see `OrchflowMcpServer.busy`). */
  busy: () => boolean;
}

function jsonRpcError(status: number, code: number, message: string): Response {
  return Response.json({ jsonrpc: '2.0', error: { code, message }, id: null }, { status });
}

/** The 2025-era sessions of one HTTP handler. */
export class LegacyHttpSessions {
  private readonly sessions = new Map<string, LegacySession>();
  private closed = false;

  constructor(
    private readonly mcp: OrchflowMcpServer,
    private readonly onError: ((error: Error) => void) | undefined,
  ) {}

  /** Serves one 2025-era request (`parsed`: its JSON body, when it had one). */
  async handle(
    request: Request,
    parsed: unknown,
    principal: Principal | undefined,
    authInfo: AuthInfo | undefined,
  ): Promise<Response> {
    const options = { authInfo, ...(parsed === undefined ? {} : { parsedBody: parsed }) };
    const id = request.headers.get('mcp-session-id');
    if (id !== null) {
      const session = this.sessions.get(id);
      // Another token's session is answered like an unknown one: its existence does not leak.
      if (!session || session.principalKey !== principalKey(principal)) {
        return jsonRpcError(404, -32001, 'Session not found: initialize a new MCP session');
      }
      session.clock?.touch();
      session.lastUse = Date.now();
      return session.transport.handleRequest(request, options);
    }
    if (request.method !== 'POST' || !isInitializeRequest(parsed)) {
      return jsonRpcError(
        400,
        -32000,
        'Bad Request: send initialize first, then the Mcp-Session-Id it returns',
      );
    }
    if (this.closed) return jsonRpcError(503, -32000, 'The orchflow MCP server is closing');
    const asking = principalKey(principal);
    // Past its share (when it is less than the table) a token makes room among its own sessions only.
    const share = this.mcp.maxSessionsPerPrincipal;
    if (share < this.mcp.maxSessions && this.heldBy(asking) >= share && !(await this.evictOwn(asking))) {
      const refusal = sharesExhausted(share, this.mcp.maxSessions);
      return jsonRpcError(503, -32000, `${refusal.message} (all of them busy)`);
    }
    if (this.sessions.size >= this.mcp.maxSessions && !(await this.evictOne(asking))) {
      return jsonRpcError(
        503,
        -32000,
        `This MCP server already serves ${this.sessions.size} sessions, all of them busy`,
      );
    }
    return this.open(request, options, principal);
  }

  // Most 2025 clients never send DELETE: when the table is full, a session with nothing in flight
  // makes room (its client re-initializes on its next request's 404). It is taken from a token
  // holding at least as many sessions as the one asking would (its own count, the session it
  // opens included), the most first, then the least recently used: a token that keeps initializing
  // ends its own sessions, and when its own are all busy it is refused rather than ending a
  // smaller token's.
  private async evictOne(asking: string): Promise<boolean> {
    const held = new Map<string, number>([[asking, 1]]);
    for (const { principalKey } of this.sessions.values()) {
      held.set(principalKey, (held.get(principalKey) ?? 0) + 1);
    }
    const askingHolds = held.get(asking) ?? 1;
    let victim: [string, LegacySession] | undefined;
    let victimHeld = 0;
    for (const entry of this.sessions) {
      const count = held.get(entry[1].principalKey) ?? 0;
      if (entry[1].busy() || count < askingHolds) continue;
      if (
        victim === undefined ||
        count > victimHeld ||
        (count === victimHeld && entry[1].lastUse < victim[1].lastUse)
      ) {
        victim = entry;
        victimHeld = count;
      }
    }
    if (victim === undefined) return false;
    await this.end(victim[0]);
    return true;
  }

  private heldBy(principalKey: string): number {
    let held = 0;
    for (const session of this.sessions.values()) if (session.principalKey === principalKey) held++;
    return held;
  }

  // The least recently used idle session of `principalKey` ends; false when all of them are busy.
  private async evictOwn(principalKey: string): Promise<boolean> {
    let victim: [string, LegacySession] | undefined;
    for (const entry of this.sessions) {
      if (entry[1].principalKey !== principalKey || entry[1].busy()) continue;
      if (victim === undefined || entry[1].lastUse < victim[1].lastUse) victim = entry;
    }
    if (victim === undefined) return false;
    await this.end(victim[0]);
    return true;
  }

  private async open(
    request: Request,
    options: { authInfo?: AuthInfo; parsedBody?: unknown },
    principal: Principal | undefined,
  ): Promise<Response> {
    // A client over the network: the server's own internal failures as what failed and an id.
    const server = this.mcp.createServer({ principal, internalErrorDetail: 'redacted' });
    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        const key = principalKey(principal);
        const identity = () => identityOf(server.server.getClientVersion(), principal, id);
        const busy = () => this.mcp.busy(identity());
        const clock = this.clockFor(id, busy, () => this.mcp.lastActiveAt(identity()));
        this.sessions.set(id, { transport, principalKey: key, clock, lastUse: Date.now(), busy });
      },
      // DELETE from the client.
      onsessionclosed: (id) => this.end(id),
    });
    transport.onerror = (error) => this.onError?.(error);
    await server.connect(transport);
    const response = await transport.handleRequest(request, options);
    // A refused initialize opened no session: nothing else will close this instance.
    if (transport.sessionId === undefined || !this.sessions.has(transport.sessionId)) {
      await server.close().catch(() => undefined);
    }
    return response;
  }

  // The MCP session ends after the idle period like its orchflow session (which may never have
  // opened: a client that initialized and went away must not hold a transport for ever).
  private clockFor(id: string, busy: () => boolean, lastActive: () => number): IdleClock | undefined {
    if (this.mcp.sessionIdleMs === 0) return undefined;
    return new IdleClock(this.mcp.sessionIdleMs, busy, () => void this.end(id), lastActive);
  }

  /** Ends session `id`: its transport (and GET stream) closes and its orchflow session with it. */
  private async end(id: string): Promise<void> {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    session.clock?.stop();
    await session.transport.close().catch((error: unknown) => this.onError?.(error as Error));
    await this.mcp.endSession(id);
  }

  /** Ends every session. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.sessions.keys()].map((id) => this.end(id)));
  }
}
