// Knowing when a tool or resource call ends: the SDK gives handlers no end-of-call hook, so the
// handlers registered on our own server instance are wrapped. Idle expiry needs it (a session
// must not close under a call that is still being served, e.g. a spawn that is slow under load),
// and so does the audit log (one entry per call, with its outcome).
import type { McpServer, ServerContext } from '@modelcontextprotocol/server';

/** What a wrapped handler is: a tool (by name) or a resource (by registered name). */
export interface CallInfo {
  kind: 'tool' | 'resource';
  name: string;
  /** The call's arguments (a tool's input, or a resource template's variables). */
  args: Record<string, unknown> | undefined;
}

/** Runs a handler; the server's wrapper counts, guards and audits the call around `run`. */
export type AroundCall = (info: CallInfo, ctx: ServerContext, run: () => unknown) => unknown;

/** Makes every tool and resource handler registered on `server` from now on run inside `around`. */
export function wrapHandlers(server: McpServer, around: AroundCall): void {
  const wrap = (kind: CallInfo['kind'], args: unknown[]): unknown[] => {
    const handler = args[args.length - 1];
    if (typeof handler !== 'function') return args;
    const name = String(args[0]);
    // The SDK passes the request context last to every handler form; a tool with an input schema
    // gets its arguments first, a resource template its variables second.
    const wrapped = (...callArgs: unknown[]) => {
      const input =
        kind === 'tool' ? callArgs.length === 2 && callArgs[0] : callArgs.length === 3 && callArgs[1];
      const info: CallInfo = {
        kind,
        name,
        args: typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : undefined,
      };
      return around(info, callArgs[callArgs.length - 1] as ServerContext, () => handler(...callArgs));
    };
    return [...args.slice(0, -1), wrapped];
  };
  const target = server as unknown as Record<
    'registerTool' | 'registerResource',
    (...a: unknown[]) => unknown
  >;
  const original = { tool: target.registerTool.bind(server), resource: target.registerResource.bind(server) };
  target.registerTool = (...args: unknown[]) => original.tool(...wrap('tool', args));
  target.registerResource = (...args: unknown[]) => original.resource(...wrap('resource', args));
}
