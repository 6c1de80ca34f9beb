// `serve --http PORT --mcp`: an MCP server (from @orchflow/mcp) on the same orchestrator, mounted
// at /mcp on the HTTP listener behind its bearer tokens. Origins: localhost pages and those
// --allow-origin lists; on a loopback bind the Host header must name loopback too (DNS rebinding).
import type { DirectConnectable, OrchflowClient } from '@orchflow/client';
import { type Orchestrator, serveChannel } from '@orchflow/core';
import {
  type AuditRedacting,
  clientConnector,
  createMcpHttpHandler,
  createMcpServer,
  DEFAULT_MAX_MCP_SESSIONS,
  directConnector,
  type McpClientIdentity,
  type McpNodeHandler,
  type OrchflowMcpServer,
} from '@orchflow/mcp';
import { DirectChannel } from '@orchflow/protocol';
import type { AuditLog } from '@orchflow/security';
import { isLoopbackHost, type TokenAuthenticator } from '../auth';
import { defaultShare } from '../limits/principal-slots';
import { VERSION } from './version';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/**
 * The MCP server and its HTTP handler for `serve --mcp`: on `source`, the orchestrator (each MCP
 * client in-process) or, in gateway mode, a function opening a client connection for one.
 */
export function mcpOverHttp(
  source: Orchestrator | ((identity: McpClientIdentity) => Promise<OrchflowClient>),
  flags: { host: string; allowOrigin?: string[]; sessionIdle?: number; audit?: AuditLog },
  onError: (error: Error) => void,
  auth?: TokenAuthenticator,
): { server: OrchflowMcpServer; handler: McpNodeHandler } {
  const server = createMcpServer({
    connect:
      typeof source === 'function'
        ? clientConnector(source)
        : directConnector(remoteConnections(source, onError)),
    version: VERSION,
    sessionIdleMs: flags.sessionIdle,
    auditLog: flags.audit,
    // A call whose audit entry could not be written: in full under the error id its client got.
    onError,
    // With several tokens each holds at most half of the sessions, as of the HTTP server's own.
    maxSessionsPerPrincipal: defaultShare(DEFAULT_MAX_MCP_SESSIONS, auth),
  });
  const extraOrigins = (flags.allowOrigin ?? []).flatMap((origin) => {
    try {
      return [new URL(origin).hostname];
    } catch {
      return [];
    }
  });
  const handler = createMcpHttpHandler(server, {
    allowedOriginHostnames: [...LOOPBACK_NAMES, ...extraOrigins],
    allowedHostnames: isLoopbackHost(flags.host) ? LOOPBACK_NAMES : undefined,
    onError,
  });
  return { server, handler };
}

/**
 * `orchestrator` as the MCP sessions of HTTP clients connect to it: in process, but for a remote
 * client, so an internal failure reaches it (in a tool's error text) only as what failed and an
 * error id, as over the other network transports, and `onError` hears the detail under that id.
 */
function remoteConnections(
  orchestrator: Orchestrator,
  onError: (error: Error) => void,
): DirectConnectable & AuditRedacting {
  return {
    connect: (principal) => {
      // Refused the orchestrator's own way once it has shut down.
      if (orchestrator.isShutDown) return orchestrator.connect(principal);
      const [client, server] = DirectChannel.pair();
      serveChannel(orchestrator, server, { principal, internalErrorDetail: 'redacted', onError });
      return client;
    },
    redactAuditRecord: (record) => orchestrator.redactAuditRecord(record),
    redactTerminalText: (terminalId, text) => orchestrator.redactTerminalText(terminalId, text),
  };
}
