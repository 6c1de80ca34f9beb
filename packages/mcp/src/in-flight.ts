// Knowing when a tool or resource call ends: the SDK gives handlers no end-of-call hook, so the
// handlers registered on our own server instance are wrapped. Idle expiry needs it: a session
// must not close under a call that is still being served (e.g. a spawn that is slow under load).
import type { McpServer, ServerContext } from '@modelcontextprotocol/server';

/** Runs a handler; the server's wrapper counts the call for its client while `run` is pending. */
export type AroundCall = (ctx: ServerContext, run: () => unknown) => unknown;

/** Makes every tool and resource handler registered on `server` from now on run inside `around`. */
export function wrapHandlers(server: McpServer, around: AroundCall): void {
  const wrap = (args: unknown[]): unknown[] => {
    const handler = args[args.length - 1];
    if (typeof handler !== 'function') return args;
    // The SDK passes the request context last to every handler form.
    const wrapped = (...callArgs: unknown[]) =>
      around(callArgs[callArgs.length - 1] as ServerContext, () => handler(...callArgs));
    return [...args.slice(0, -1), wrapped];
  };
  const target = server as unknown as Record<
    'registerTool' | 'registerResource',
    (...a: unknown[]) => unknown
  >;
  for (const method of ['registerTool', 'registerResource'] as const) {
    const original = target[method].bind(server);
    target[method] = (...args: unknown[]) => original(...wrap(args));
  }
}
