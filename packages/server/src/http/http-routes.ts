// The REST surface: each route turns path, query and body into the params of one protocol method
// and returns its result as the response body. Validation, authorization and errors are core's
// (through the request's RpcBridge), so REST and JSON-RPC cannot drift apart.
import { ErrorCode, OrchflowError } from '@orchflow/protocol';

/** What a route handler gets. */
export interface RouteInput {
  params: Record<string, string | undefined>;
  query: Record<string, string>;
  body(): Promise<Record<string, unknown>>;
  call(method: string, params: unknown): Promise<unknown>;
}

/** One REST route. */
export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  /** Status of a success. Default 200. */
  status?: number;
  handle(input: RouteInput): Promise<unknown>;
}

const terminal = '/v1/terminals/:terminalId';

/** Every REST route except health and the SSE stream, which the server handles itself. */
export const ROUTES: readonly Route[] = [
  {
    method: 'POST',
    path: '/v1/terminals',
    status: 201,
    handle: async ({ body, call }) => call('terminal.spawn', await body()),
  },
  {
    method: 'GET',
    path: '/v1/terminals',
    handle: ({ query, call }) => call('terminal.list', pick(query, ['agentId', 'state'])),
  },
  {
    method: 'GET',
    path: terminal,
    handle: async ({ params, call }) => {
      const { terminals } = (await call('terminal.list', {})) as { terminals: { id: string }[] };
      const found = terminals.find((info) => info.id === params.terminalId);
      if (found) return found;
      throw new OrchflowError(
        ErrorCode.TerminalNotFound,
        `No terminal '${params.terminalId}' is visible to this token; list them with GET /v1/terminals`,
        { terminalId: params.terminalId },
      );
    },
  },
  {
    method: 'DELETE',
    path: terminal,
    handle: ({ params, query, call }) => call('terminal.kill', { ...params, ...pick(query, ['signal']) }),
  },
  {
    method: 'POST',
    path: `${terminal}/execute`,
    handle: async ({ params, body, call }) => call('terminal.execute', { ...(await body()), ...params }),
  },
  {
    method: 'POST',
    path: `${terminal}/input`,
    handle: async ({ params, body, call }) => call('terminal.write', { ...(await body()), ...params }),
  },
  {
    method: 'POST',
    path: `${terminal}/resize`,
    handle: async ({ params, body, call }) => call('terminal.resize', { ...(await body()), ...params }),
  },
  {
    method: 'GET',
    path: `${terminal}/snapshot`,
    handle: ({ params, call }) => call('terminal.snapshot', params),
  },
  {
    method: 'GET',
    path: `${terminal}/output`,
    handle: ({ params, query, call }) =>
      call('terminal.read', { ...params, ...numbers(pick(query, ['fromOffset', 'maxBytes'])) }),
  },
];

function pick(source: Record<string, string>, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}

/** Turns integer-looking query values into numbers; anything else is left for validation to refuse. */
function numbers(values: Record<string, string>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(values)) out[key] = /^\d+$/.test(value) ? Number(value) : value;
  return out;
}
