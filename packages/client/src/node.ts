// @orchflow/client/node — Node-only transports. Importing this entry also adds the matching
// static constructors to `OrchflowClient` (`OrchflowClient.stdio(...)`, `.unixSocket(...)`), which
// the browser-safe root entry cannot carry because they need `node:*` modules.
import { OrchflowClient as BaseClient } from './client';
import { connectStdio } from './transports/stdio';
import { connectUnixSocket } from './transports/unix-socket';
import { connectWebSocket } from './transports/websocket-node';

/** `OrchflowClient` with the Node-only constructors attached. */
export const OrchflowClient: typeof BaseClient & {
  /** Spawns a supervised sidecar (`orchflow serve --stdio`) and connects to it. */
  stdio: typeof connectStdio;
  /** Connects to `orchflow serve --unix PATH`. */
  unixSocket: typeof connectUnixSocket;
  /** Connects to `orchflow serve --ws` with `ws`; reconnects and resumes streams by default. */
  websocket: typeof connectWebSocket;
} = Object.assign(BaseClient, {
  stdio: connectStdio,
  unixSocket: connectUnixSocket,
  websocket: connectWebSocket,
});
/** A connection to an orchflow server; the same API over every transport. */
export type OrchflowClient = BaseClient;

export { connectStdio, type StdioClientOptions } from './transports/stdio';
// stdio sidecar transport
export { SidecarChannel, type SidecarEvent, type SidecarSupervision } from './transports/stdio-channel';
export { type SidecarCommand, type SidecarExit, STDERR_TAIL_CHARS } from './transports/stdio-process';
// Unix socket transport
export {
  connectUnixSocket,
  DEFAULT_CONNECT_TIMEOUT_MS,
  type UnixSocketClientOptions,
  unixSocketChannel,
} from './transports/unix-socket';
// WebSocket transport over `ws` (reconnecting; authenticates by header and in `initialize`)
export {
  connectWebSocket,
  createNodeWebSocket,
  type NodeWebSocketOptions,
} from './transports/websocket-node';
