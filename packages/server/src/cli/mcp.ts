// `orchflow mcp`: serves MCP over stdio for Claude Desktop/Code, Cursor and other MCP clients.
// Embedded (default): its own orchestrator under `--policy` (default `standard`). With
// `--connect URL`: a front for a running `orchflow serve`, whose token and policy then apply, so
// agents and people share the same terminals. stdout carries only MCP messages; logs go to stderr.
import { connectUnixSocket, connectWebSocket, OrchflowClient } from '@orchflow/client/node';
import type { McpClientIdentity, McpConnector } from '@orchflow/mcp';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { buildOrchestrator, openAuditLog } from './orchestrator';
import { effectivePolicy } from './policy-flag';
import { usageError } from './recording-args';
import { describeSessionIdle } from './session-idle';
import { VERSION } from './version';

/** Flags of `orchflow mcp`. */
export interface McpFlags {
  policy?: string;
  readOnly?: boolean;
  connect?: string;
  token?: string;
  backend: string;
  tmuxSocket?: string;
  /** `--audit-log FILE`: the hash-chained audit log of every tool call (and, embedded, every command). */
  auditLog?: string;
  /** Idle period of a client's session in ms (`--session-idle`; 0 never expires). */
  sessionIdle?: number;
}

/**
 * Tries the `--connect` server once at start: connections open per MCP client on its first call,
 * so a wrong URL or token would otherwise show only then. Unreachable is a warning, not a failure
 * (the server may come up after the MCP client started this one).
 */
async function probe(url: string, token: string | undefined): Promise<void> {
  try {
    const client = await connectFor(url, token, { name: 'start-up check', version: '0' });
    await client.close();
  } catch (error) {
    process.stderr.write(
      `orchflow mcp: warning: cannot use ${url} now (${(error as Error).message}); tool calls fail until it answers with this token\n`,
    );
  }
}

/** The policy `orchflow mcp` runs under when `--policy` is omitted. */
export const MCP_DEFAULT_POLICY = 'standard';

/** Opens a connection to `url` for one MCP client (its name goes into the server's logs). */
export function connectFor(
  url: string,
  token: string | undefined,
  identity: McpClientIdentity,
): Promise<OrchflowClient> {
  const options = {
    token: token ?? process.env.ORCHFLOW_TOKEN,
    clientInfo: { name: `mcp:${identity.name}` },
  };
  if (url.startsWith('unix:')) return connectUnixSocket(url.slice('unix:'.length), options);
  if (/^wss?:\/\//.test(url)) return connectWebSocket(url, options);
  if (/^https?:\/\//.test(url)) return OrchflowClient.http(url, options);
  throw new OrchflowError(
    ErrorCode.InvalidParams,
    `Unsupported --connect '${url}': use ws://host:port, http://host:port or unix:/path/to.sock`,
  );
}

/** Flags that conflict, or a `--connect` URL no transport takes: usage errors (exit 2). */
export function checkMcpFlags(flags: McpFlags): void {
  if (flags.connect !== undefined && flags.policy !== undefined) {
    throw usageError(
      '--policy applies to the embedded orchestrator; with --connect the server’s policy applies',
    );
  }
  // Connections open per MCP client, on its first call: refuse a URL we cannot use now.
  if (flags.connect !== undefined && !/^(wss?|https?):\/\/|^unix:/.test(flags.connect)) {
    throw usageError(
      `Unsupported --connect '${flags.connect}': use ws://host:port, http://host:port or unix:/path/to.sock`,
    );
  }
}

/** Runs `orchflow mcp`; resolves with the exit code once the MCP client closed stdin. */
export async function runMcp(flags: McpFlags): Promise<number> {
  // Loaded here, not at the top: the other commands start without the MCP SDK.
  const { clientConnector, createMcpServer, directConnector, serveMcpStdio } = await import('@orchflow/mcp');
  checkMcpFlags(flags);
  const audit = await openAuditLog(flags.auditLog);
  let connect: McpConnector;
  let shutdown: () => Promise<void> = async () => undefined;
  let description: string;
  if (flags.connect !== undefined) {
    const url = flags.connect;
    connect = clientConnector((identity) => connectFor(url, flags.token, identity));
    description = `front for ${url} (the server's policy applies)`;
  } else {
    const policy = await effectivePolicy(flags.policy ?? MCP_DEFAULT_POLICY, false);
    const orchestrator = await buildOrchestrator({ ...flags, policy: policy.policy, auditLog: audit });
    connect = directConnector(orchestrator);
    shutdown = () => orchestrator.shutdown();
    description = `embedded, policy ${flags.policy === undefined ? `${MCP_DEFAULT_POLICY} (default; --policy to change)` : policy.description}`;
  }
  const onError = (error: Error) => process.stderr.write(`orchflow mcp: ${error.message}\n`);
  const mcp = createMcpServer({
    connect,
    readOnly: flags.readOnly,
    version: VERSION,
    sessionIdleMs: flags.sessionIdle,
    auditLog: audit,
    // A call whose audit entry could not be written, with its error id (the client has both).
    onError,
  });
  const handle = serveMcpStdio(mcp, { onError });
  const stop = () => void handle.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stderr.write(
    `orchflow mcp: serving MCP on stdio, ${description}${flags.readOnly ? ', read-only tools' : ''}, ${describeSessionIdle(mcp.sessionIdleMs)}\n`,
  );
  if (flags.connect !== undefined) void probe(flags.connect, flags.token);
  await handle.closed;
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  await mcp.close();
  await shutdown();
  await audit?.close();
  return 0;
}
