// Stdio sidecar server.
export type { ByteStreamServerOptions } from './byte-stream';
export { StdioServer, type StdioServerInfo, type StdioServerOptions } from './stdio-server';
