// The `initialize` handshake: the first request on every connection. The client states its
// protocol version and credentials; the server answers with what it supports and who the caller
// is. A major-version mismatch fails with `ErrorCode.VersionMismatch` (see `checkProtocolVersion`).
import { z } from 'zod';
import { ExecutionModeSchema, IsolationLevelSchema, PrincipalSchema } from './domain';
import { ProtocolVersionSchema } from './version';

const NameSchema = z.string().min(1).max(200);
const VersionStringSchema = z.string().min(1).max(100);
// Open sets: a newer server may add transports, backends or features an older client never heard of.
const NameListSchema = z.array(z.string().min(1).max(200)).max(1000);

/** Name and version of the program on the client side. */
export const ClientInfoSchema = z.object({ name: NameSchema, version: VersionStringSchema.optional() });
/** Name and version of the program on the client side. */
export type ClientInfo = z.infer<typeof ClientInfoSchema>;

/** Name and version of the server. */
export const ServerInfoSchema = z.object({ name: NameSchema, version: VersionStringSchema });
/** Name and version of the server. */
export type ServerInfo = z.infer<typeof ServerInfoSchema>;

/** What the client supports; the server only uses features both sides list. */
export const ClientCapabilitiesSchema = z.object({
  /** Optional protocol features the client understands, e.g. `base64Output`. */
  features: NameListSchema.optional(),
});
/** What the client supports. */
export type ClientCapabilities = z.infer<typeof ClientCapabilitiesSchema>;

/** What the server supports. */
export const ServerCapabilitiesSchema = z.object({
  /** Transports the server listens on, e.g. `websocket`, `stdio`, `unix`, `http`. */
  transports: NameListSchema,
  /** Execution modes `terminal.spawn` accepts. */
  executionModes: z.array(ExecutionModeSchema),
  /** Terminal backends available, e.g. `direct`, `tmux`. */
  backends: NameListSchema,
  /** Isolation levels available on this host. */
  isolationLevels: z.array(IsolationLevelSchema),
  /**
   * How terminals' processes are held on this host: `cgroup` (each terminal in its own cgroup, so
   * killing it kills every process it started) or `process-tree` (best effort: its session and
   * descendants; a process that left both survives). Absent from older servers.
   */
  containment: z.enum(['cgroup', 'process-tree']).optional(),
  /** True when TIOCSTI/TIOCLINUX (typing into a terminal's input) are denied to everything terminals run. */
  injectionGuard: z.boolean().optional(),
  /** Optional protocol features the server implements, e.g. `transactions`. */
  features: NameListSchema,
});
/** What the server supports. */
export type ServerCapabilities = z.infer<typeof ServerCapabilitiesSchema>;

/** Params of `initialize`. */
export const InitializeParamsSchema = z.object({
  /** The client's `PROTOCOL_VERSION`. */
  protocolVersion: ProtocolVersionSchema,
  clientInfo: ClientInfoSchema,
  /**
   * Auth token; the server maps it to a principal. Omitted on trusted in-process channels. An
   * empty one (an unset variable) counts as none, so the server answers Unauthorized, not InvalidParams.
   */
  token: z.string().max(4096).optional(),
  capabilities: ClientCapabilitiesSchema.optional(),
});
/** Params of `initialize`. */
export type InitializeParams = z.infer<typeof InitializeParamsSchema>;

/** Result of `initialize`. */
export const InitializeResultSchema = z.object({
  /** The server's protocol version; same major as the client's. */
  protocolVersion: ProtocolVersionSchema,
  serverInfo: ServerInfoSchema,
  capabilities: ServerCapabilitiesSchema,
  /** Who the server takes the caller to be; decides which terminals it sees. */
  principal: PrincipalSchema,
});
/** Result of `initialize`. */
export type InitializeResult = z.infer<typeof InitializeResultSchema>;
