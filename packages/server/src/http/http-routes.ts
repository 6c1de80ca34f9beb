// The HTTP route table: every route the server serves, with the zod schemas of its path, query,
// body and success response. The server registers exactly these routes (and refuses to start when
// a route has no handler, see HttpServer), and the OpenAPI document is generated from the same
// entries (see openapi.ts), so the served surface and its description cannot drift apart.
// A REST route turns path, query and body into the params of one protocol method and returns its
// result as the response body; validation, authorization and errors are core's, reached through
// the request's own in-process connection (see rest-connection.ts), exactly as over JSON-RPC.
import {
  ErrorCode,
  EVENT_FORMAT_HEADER,
  ExecuteParamsSchema,
  HistoryParamsSchema,
  HTTP_SESSION_HEADER,
  InitializeResultSchema,
  JsonRpcErrorResponseSchema,
  JsonRpcMessageSchema,
  JsonRpcResponseSchema,
  KillParamsSchema,
  ListParamsSchema,
  Methods,
  OrchflowError,
  ReadParamsSchema,
  ResizeParamsSchema,
  SpawnParamsSchema,
  SubscribeParamsSchema,
  TerminalInfoSchema,
  TerminalRefParamsSchema,
  WriteParamsSchema,
} from '@orchflow/protocol';
import { z } from 'zod';
import { NDJSON_MEDIA_TYPE, RPC_STREAM_PATH } from './rpc-upload';

/** What a REST route handler gets. */
export interface RouteInput {
  params: Record<string, string | undefined>;
  query: Record<string, string>;
  body(): Promise<Record<string, unknown>>;
  /** Calls a protocol method on the request's connection. */
  call(method: keyof typeof Methods, params: unknown): Promise<unknown>;
}

/** What the OpenAPI document says about a route. */
export interface RouteDoc {
  summary: string;
  description?: string;
  /** Path parameters (named as in the path). */
  path?: z.core.$ZodObject;
  /** Query parameters (strings on the wire; integers are converted). */
  query?: z.core.$ZodObject;
  /** Request headers, by name: their description and whether the route needs them. */
  headers?: Record<string, { description: string; required?: boolean }>;
  /** JSON request body. */
  body?: z.core.$ZodType;
  /** The body's media type, when it is not `application/json` (each line of NDJSON is `body`). */
  bodyMediaType?: string;
  /**
   * Success status (default 200) and body: a JSON schema, an SSE stream, a session's event stream
   * (SSE or frames), or nothing.
   */
  status?: number;
  response: z.core.$ZodType | 'event-stream' | 'session-events' | 'empty';
  /** Other answers with their own body (status → description and schema), e.g. `202` of `/v1/rpc`. */
  alsoAnswers?: Record<number, { description: string; schema?: z.core.$ZodType }>;
  /** False for routes that need no token. Default true. */
  auth?: boolean;
}

/** One route: method, path (find-my-way syntax) and its documentation. */
export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  doc: RouteDoc;
  /** A REST route's handler; routes without one are served by HttpServer itself. */
  handle?(input: RouteInput): Promise<unknown>;
}

const terminal = '/v1/terminals/:terminalId';
const onTerminal = TerminalRefParamsSchema;

/**
 * `schema` without the fields the path supplies (and those REST has no use for). As strict as
 * `schema`: the method refuses unknown keys, so the document says so (`additionalProperties: false`).
 */
function without(schema: z.ZodObject, ...keys: string[]): z.ZodObject {
  const mask = Object.fromEntries(keys.map((key) => [key, true])) as Parameters<typeof schema.omit>[0];
  return schema.omit(mask);
}

/** `GET /v1/health`. */
export const HealthSchema = z.object({ ok: z.literal(true), protocolVersion: z.string() });

/** Every route the server serves. */
export const ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/v1/health',
    doc: { summary: 'Liveness and protocol version', response: HealthSchema, auth: false },
  },
  {
    method: 'GET',
    path: '/v1/openapi.json',
    doc: { summary: 'This OpenAPI 3.1 document', response: z.record(z.string(), z.unknown()), auth: false },
  },
  {
    method: 'GET',
    path: '/v1/session',
    doc: {
      summary: 'Who the token is and what the server supports (the `initialize` result)',
      response: InitializeResultSchema,
    },
  },
  {
    method: 'POST',
    path: '/v1/terminals',
    doc: {
      summary: 'Spawn a terminal (`terminal.spawn`)',
      body: SpawnParamsSchema,
      status: 201,
      response: TerminalInfoSchema,
    },
    handle: async ({ body, call }) => call('terminal.spawn', await body()),
  },
  {
    method: 'GET',
    path: '/v1/terminals',
    doc: {
      summary: 'List the terminals visible to the token (`terminal.list`)',
      query: ListParamsSchema,
      response: Methods['terminal.list'].result,
    },
    handle: ({ query, call }) => call('terminal.list', pick(query, ['agentId', 'state'])),
  },
  {
    method: 'GET',
    path: terminal,
    doc: { summary: 'One terminal', path: onTerminal, response: TerminalInfoSchema },
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
    doc: {
      summary: "Kill a terminal's process tree (`terminal.kill`)",
      path: onTerminal,
      query: without(KillParamsSchema, 'terminalId'),
      response: Methods['terminal.kill'].result,
    },
    handle: ({ params, query, call }) => call('terminal.kill', { ...params, ...pick(query, ['signal']) }),
  },
  {
    method: 'POST',
    path: `${terminal}/execute`,
    doc: {
      summary: 'Run a command and wait for its result (`terminal.execute`)',
      description:
        'Closing the request before the answer interrupts the command, as cancelling does over JSON-RPC.',
      path: onTerminal,
      body: without(ExecuteParamsSchema, 'terminalId', 'progress'),
      response: Methods['terminal.execute'].result,
    },
    handle: async ({ params, body, call }) => call('terminal.execute', { ...(await body()), ...params }),
  },
  {
    method: 'POST',
    path: `${terminal}/input`,
    doc: {
      summary: 'Type raw input (`terminal.write`)',
      path: onTerminal,
      body: without(WriteParamsSchema, 'terminalId'),
      response: Methods['terminal.write'].result,
    },
    handle: async ({ params, body, call }) => call('terminal.write', { ...(await body()), ...params }),
  },
  {
    method: 'POST',
    path: `${terminal}/resize`,
    doc: {
      summary: 'Resize (`terminal.resize`)',
      path: onTerminal,
      body: without(ResizeParamsSchema, 'terminalId'),
      response: Methods['terminal.resize'].result,
    },
    handle: async ({ params, body, call }) => call('terminal.resize', { ...(await body()), ...params }),
  },
  {
    method: 'GET',
    path: `${terminal}/snapshot`,
    doc: {
      summary: 'The screen as text (`terminal.snapshot`)',
      path: onTerminal,
      response: Methods['terminal.snapshot'].result,
    },
    handle: ({ params, call }) => call('terminal.snapshot', params),
  },
  {
    method: 'GET',
    path: `${terminal}/activity`,
    doc: {
      summary: 'What the terminal does: idle, running, awaiting input or exited (`terminal.activity`)',
      path: onTerminal,
      response: Methods['terminal.activity'].result,
    },
    handle: ({ params, call }) => call('terminal.activity', params),
  },
  {
    method: 'GET',
    path: `${terminal}/history`,
    doc: {
      summary: 'The commands it ran, oldest first, with exit code and duration (`terminal.history`)',
      path: onTerminal,
      query: without(HistoryParamsSchema, 'terminalId'),
      response: Methods['terminal.history'].result,
    },
    handle: ({ params, query, call }) =>
      call('terminal.history', { ...params, ...numbers(pick(query, ['limit'])) }),
  },
  {
    method: 'GET',
    path: `${terminal}/output`,
    doc: {
      summary: 'Scrollback by byte offset (`terminal.read`)',
      path: onTerminal,
      query: without(ReadParamsSchema, 'terminalId'),
      response: Methods['terminal.read'].result,
    },
    handle: ({ params, query, call }) =>
      call('terminal.read', { ...params, ...numbers(pick(query, ['fromOffset', 'maxBytes'])) }),
  },
  {
    method: 'GET',
    path: `${terminal}/stream`,
    doc: {
      summary: 'Output as Server-Sent Events',
      description:
        'Events: `open` {terminalId, offset}, `output` {data, offset}, `gap` {from, to}, `exit` {exitCode, signal}; each `id:` is the byte offset to resume from.',
      path: onTerminal,
      query: without(SubscribeParamsSchema, 'terminalId'),
      headers: {
        'Last-Event-ID': {
          description: 'Resume after this event id (a byte offset); wins over `fromOffset`.',
        },
      },
      response: 'event-stream',
    },
  },
  {
    method: 'POST',
    path: '/v1/rpc',
    doc: {
      summary: 'JSON-RPC session: start one (an `initialize` request) or send a message to one',
      description:
        'Without `Orchflow-Session`: one `initialize` request, answered here; the response header names the session. With it: any JSON-RPC message or batch, answered `202`; its answer arrives on `GET /v1/rpc`.',
      headers: {
        [HTTP_SESSION_HEADER]: { description: 'The session, as named by the initialize response.' },
      },
      query: z.object({
        events: z
          .enum(['frames'])
          .optional()
          .describe(
            `With the initialize request: the session's events as binary frames (\`application/vnd.orchflow.events\`) instead of Server-Sent Events; the answer then carries \`${EVENT_FORMAT_HEADER}: frames\`.`,
          ),
      }),
      body: JsonRpcMessageSchema,
      response: JsonRpcResponseSchema,
      alsoAnswers: {
        202: { description: 'Accepted; the answer arrives on the session stream' },
        400: { description: 'Not JSON, or not a JSON-RPC message', schema: JsonRpcErrorResponseSchema },
      },
    },
  },
  {
    method: 'GET',
    path: '/v1/rpc',
    doc: {
      summary: "The session's event stream: every JSON-RPC message the server sends, in order",
      description:
        'Server-Sent Events, or length-prefixed binary frames (`application/vnd.orchflow.events`, see docs/transports.md) for a session created with `?events=frames` (`406` when `Accept` rules that out).',
      headers: {
        [HTTP_SESSION_HEADER]: { description: 'The session.', required: true },
        'Last-Event-ID': { description: 'Replay the events after this id.' },
      },
      response: 'session-events',
    },
  },
  {
    method: 'POST',
    path: RPC_STREAM_PATH,
    doc: {
      summary: "The session's messages on one streamed request body, one per line",
      description:
        'For clients that can stream a request body: each line is one JSON-RPC message or batch, taken in order as a POST of it to `/v1/rpc` would be; answers arrive on `GET /v1/rpc`. A line that is not JSON-RPC is answered there with `id: null`. A newer stream of the session ends this one (`409`); the end of the session ends it (`404`).',
      headers: { [HTTP_SESSION_HEADER]: { description: 'The session.', required: true } },
      body: JsonRpcMessageSchema,
      bodyMediaType: NDJSON_MEDIA_TYPE,
      status: 204,
      response: 'empty',
    },
  },
  {
    method: 'DELETE',
    path: '/v1/rpc',
    doc: {
      summary: 'End the session cleanly (its terminals are killed)',
      headers: { [HTTP_SESSION_HEADER]: { description: 'The session.', required: true } },
      status: 204,
      response: 'empty',
    },
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
