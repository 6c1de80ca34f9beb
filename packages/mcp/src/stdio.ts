// Serving MCP over stdio (what Claude Desktop, Claude Code and Cursor launch): the SDK's
// `serveStdio` entry with orchflow's server factory. stdout carries only protocol messages.
// A 2026-07-28 client's `subscriptions/listen` is served by the entry itself, which routes the
// instance's `notifications/resources/updated` onto the listening subscriptions; inbound messages
// pass through here first so the listened terminals are narrowed and watched (listen.ts).
import type { Readable, Writable } from 'node:stream';
import type { JSONRPCMessage, McpServer, ServerNotifier } from '@modelcontextprotocol/server';
import { StdioServerTransport, serveStdio } from '@modelcontextprotocol/server/stdio';
import { ListenWatcher } from './listen';
import type { OrchflowMcpServer } from './server';
import { reportParseErrors } from './stdio-parse-errors';

/** The SDK stdio reader's buffer: a line longer than this closes the connection. */
const SDK_READ_BUFFER_BYTES = 10 * 1024 * 1024;

/** Options of {@link serveMcpStdio}. */
export interface McpStdioOptions {
  /** Default `process.stdin`. */
  stdin?: Readable;
  /** Default `process.stdout`. */
  stdout?: Writable;
  /**
   * Hears transport and protocol errors (reporting only), including each stdin line that is not
   * JSON (the client is also answered with JSON-RPC's -32700 for it).
   */
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
  let modern: McpServer | undefined;
  const transport = new StdioServerTransport(stdin, stdout);
  // The transport also closes on its own (a message over its 10 MiB buffer, a broken stdout) and
  // then only pauses stdin: without this the server would stay up answering nothing.
  chainOnClose(transport, markClosed);
  // Lines the SDK drops are answered and reported (briefly) by reportParseErrors below.
  dropSchemaErrors(transport);
  const stopListens = watchListens(transport, mcp, () => modern);
  const stopParseErrors = reportParseErrors(
    stdin,
    stdout,
    (error) => options.onError?.(error),
    SDK_READ_BUFFER_BYTES,
  );
  void closed.then(() => {
    stopListens();
    stopParseErrors();
  });
  const handle = serveStdio(
    (ctx) => {
      const server = mcp.createServer();
      if (ctx.era === 'modern') modern = server;
      return server;
    },
    { transport, onerror: options.onError },
  );
  return {
    closed,
    close: async () => {
      await handle.close();
      markClosed();
    },
  };
}

/** Calls `then` after whatever `onclose` handler the SDK entry sets on `transport`. */
function chainOnClose(transport: StdioServerTransport, then: () => void): void {
  let handler: (() => void) | undefined;
  Object.defineProperty(transport, 'onclose', {
    configurable: true,
    get: () => () => {
      handler?.();
      then();
    },
    set: (next: (() => void) | undefined) => {
      handler = next;
    },
  });
}

/**
 * Keeps the schema rejections of the transport's reader (a line that is JSON but not a JSON-RPC
 * message, reported as a dump of every union branch's issues) from the entry's `onerror`: the
 * parse-error watcher answers and reports those lines itself. Other errors pass through.
 */
function dropSchemaErrors(transport: StdioServerTransport): void {
  let handler: ((error: Error) => void) | undefined;
  Object.defineProperty(transport, 'onerror', {
    configurable: true,
    get: () => (error: Error) => {
      if (!Array.isArray((error as { issues?: unknown }).issues)) handler?.(error);
    },
    set: (next: ((error: Error) => void) | undefined) => {
      handler = next;
    },
  });
}

type Deliver = (message: JSONRPCMessage, extra?: unknown) => void;

/**
 * Puts a {@link ListenWatcher} in front of the entry's inbound messages (in their order): a
 * `subscriptions/listen` request is narrowed to visible terminals and watched until its
 * `notifications/cancelled`; updates go out through the modern instance, whose outbound
 * notifications the entry routes onto the subscriptions. Returns the function that stops every watch.
 */
function watchListens(
  transport: StdioServerTransport,
  mcp: OrchflowMcpServer,
  instance: () => McpServer | undefined,
): () => void {
  const notify: ServerNotifier = {
    toolsChanged: () => undefined,
    promptsChanged: () => undefined,
    resourcesChanged: () => undefined,
    resourceUpdated: (uri) =>
      void instance()
        ?.server.sendResourceUpdated({ uri })
        .catch(() => undefined),
  };
  const listens = new ListenWatcher(mcp, notify);
  const open = new Map<string | number, AbortController>();
  let deliver: Deliver | undefined;
  let queue = Promise.resolve();
  const inbound: Deliver = (message, extra) => {
    queue = queue.then(async () => {
      const m = message as {
        method?: string;
        id?: string | number;
        params?: { requestId?: string | number };
      };
      if (m.method === 'subscriptions/listen' && m.id !== undefined) {
        const abort = new AbortController();
        open.set(m.id, abort);
        message = (await listens
          .open(message, undefined, abort.signal)
          .catch(() => message)) as JSONRPCMessage;
      } else if (m.method === 'notifications/cancelled' && m.params?.requestId !== undefined) {
        open.get(m.params.requestId)?.abort();
        open.delete(m.params.requestId);
      }
      deliver?.(message, extra);
    });
  };
  // The entry sets `onmessage` once it starts the transport: keep its handler behind ours.
  Object.defineProperty(transport, 'onmessage', {
    configurable: true,
    get: () => (deliver ? inbound : undefined),
    set: (handler: Deliver | undefined) => {
      deliver = handler;
    },
  });
  return () => {
    for (const abort of open.values()) abort.abort();
    open.clear();
  };
}
