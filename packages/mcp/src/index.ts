// @orchflow/mcp — an MCP server (official TypeScript SDK) that gives AI agents real terminals:
// persistent shells with exact exit codes, handles for long commands, server-side waits, the
// rendered screen, under the orchestrator's security policy; over stdio or Streamable HTTP.
export { AUDIT_ERROR_CHARS, builtinAuditRedaction, type McpAuditRedaction, type McpAuditSink } from './audit';
export { type AuditRedacting, clientConnector, directConnector } from './connectors';
export {
  createMcpHttpHandler,
  MAX_MCP_BODY_BYTES,
  MCP_HTTP_PATH,
  type McpHttpHandlerOptions,
  type McpNodeHandler,
} from './http';
export { DEFAULT_MCP_SESSION_IDLE_MS } from './idle';
export { inputBytes, KEY_BYTES, KEY_NAMES } from './keys';
export { MAX_LISTEN_URIS } from './listen';
export {
  type CappedText,
  capText,
  DEFAULT_MAX_OUTPUT_BYTES,
  MAX_OUTPUT_BYTES_LIMIT,
  plainText,
} from './output';
export { compilePattern, MAX_PATTERN_LENGTH, PATTERN_WINDOW_CHARS } from './pattern';
export { OUTPUT_RESOURCE_BYTES } from './resources';
export {
  CommandReportSchema,
  DEFAULT_IDLE_MS,
  DEFAULT_WAIT_MS,
  DEFAULT_YIELD_MS,
  KillInput,
  KillOutput,
  ListOutput,
  MAX_COMMAND_LENGTH,
  MAX_WAIT_MS,
  MAX_YIELD_MS,
  ReadInput,
  ReadOutput,
  RunInput,
  SnapshotOutput,
  SpawnInput,
  TerminalIdInput,
  TerminalSummary,
  WaitInput,
  WriteInput,
  WriteOutput,
} from './schemas';
export {
  createMcpServer,
  DEFAULT_MAX_MCP_SESSIONS,
  MCP_SERVER_NAME,
  type McpServerContext,
  type OrchflowMcpOptions,
  OrchflowMcpServer,
} from './server';
export {
  AgentSession,
  agentIdFor,
  agentSlug,
  type McpClientIdentity,
  type McpConnection,
  type McpConnector,
  sessionTag,
} from './session';
export type { CommandReport, CommandStatus } from './status';
export { type McpStdioHandle, type McpStdioOptions, serveMcpStdio } from './stdio';
export { RESOURCE_UPDATE_MS } from './subscriptions';
export type { CommandRecord, TerminalRecord } from './terminal-record';
export { ALL_TOOLS, READ_ONLY_TOOLS } from './tool-names';
