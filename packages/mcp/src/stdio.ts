// Serving MCP over stdio (what Claude Desktop, Claude Code and Cursor launch): the SDK's
// `serveStdio` entry with orchflow's server factory. stdout carries only protocol messages.
import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport, serveStdio } from '@modelcontextprotocol/server/stdio';
import type { OrchflowMcpServer } from './server';

/** Options of {@link serveMcpStdio}. */
export interface McpStdioOptions {
  /** Default `process.stdin`. */
  stdin?: Readable;
  /** Default `process.stdout`. */
  stdout?: Writable;
  /** Hears transport and protocol errors (reporting only). */
  onError?: (error: Error) => void;
}

/** A running stdio MCP connection. */
export interface McpStdioHandle {
  /** Resolves once the client closed stdin (or {@link McpStdioHandle.close} was called). */
  readonly closed: Promise<void>;
  /** Ends the connection. */
  close(): Promise<void>;
}

/** Serves `mcp` to one MCP client over stdin/stdout. */
export function serveMcpStdio(mcp: OrchflowMcpServer, options: McpStdioOptions = {}): McpStdioHandle {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  let markClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  stdin.once('end', () => markClosed());
  stdin.once('close', () => markClosed());
  const handle = serveStdio(() => mcp.createServer(), {
    transport: new StdioServerTransport(stdin, stdout),
    onerror: options.onError,
  });
  return {
    closed,
    close: async () => {
      await handle.close();
      markClosed();
    },
  };
}
