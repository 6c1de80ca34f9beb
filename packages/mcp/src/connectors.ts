// How an MCP client's orchflow connection is opened: in-process to an embedded orchestrator
// (`directConnector`), or through `@orchflow/client` to a running server (`clientConnector`).
import { type DirectConnectable, OrchflowClient } from '@orchflow/client';
import { ConnectionPolicy } from '@orchflow/core';
import type { Principal } from '@orchflow/protocol';
import type { AuditToolCall } from '@orchflow/security';
import { agentIdFor, type McpClientIdentity, type McpConnector } from './session';

/**
 * An orchestrator that redacts audit entries as its own (`Orchestrator.redactAuditRecord`), and
 * text from a terminal's output with that terminal's secrets (`Orchestrator.redactTerminalText`).
 */
export interface AuditRedacting {
  redactAuditRecord(record: AuditToolCall): AuditToolCall;
  redactTerminalText?(terminalId: string, text: string): string;
}

/**
 * Embedded mode: each MCP client connects in-process to `orchestrator` as an agent principal
 * named `mcp:<client name>` (the name audit lines carry) that owns only its own agent id. An HTTP
 * token's principal is renamed the same way and otherwise kept (an admin token still sees every
 * terminal, a viewer's controls nothing), except that an agent token with an `agentIdPrefix` is
 * narrowed to the client's own agent id: two MCP sessions under one such token do not see each
 * other's terminals. A token naming exact `agentIds` says its clients share those agents.
 */
export function directConnector(orchestrator: DirectConnectable & Partial<AuditRedacting>): McpConnector {
  const connector: McpConnector = async (identity) => {
    const agentId = agentIdFor(identity);
    const name = `mcp:${identity.name}`;
    const token = identity.principal;
    const renamed: Principal =
      token === undefined
        ? { kind: 'agent', name, agentIds: [agentId] }
        : token.kind === 'agent' && token.agentIdPrefix !== undefined
          ? { kind: 'agent', name: token.name ? `${token.name}/${name}` : name, agentIds: [agentId] }
          : { ...token, name: token.name ? `${token.name}/${name}` : name };
    // The token's own policy is a mark the copy above does not carry: bind it again, or every
    // command through MCP would escape it.
    const principal = ConnectionPolicy.of(token)?.bind(renamed) ?? renamed;
    const client = await OrchflowClient.direct(orchestrator, {
      principal,
      clientInfo: { name, version: identity.version },
    });
    const redactText = orchestrator.redactTerminalText?.bind(orchestrator);
    return { client, agentId, ...(redactText ? { redactText } : {}) };
  };
  // Audit entries get the secrets of the terminal they name, as the orchestrator's own entries do.
  if (typeof orchestrator.redactAuditRecord === 'function') {
    connector.redactAudit = (record) => orchestrator.redactAuditRecord?.(record) ?? record;
  }
  return connector;
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
