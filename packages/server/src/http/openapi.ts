// The OpenAPI 3.1 description of HttpServer, served at `GET /v1/openapi.json`. It is generated
// from the route table (http-routes.ts) and the protocol's zod schemas with zod 4's JSON Schema
// output, so a changed schema or route changes the document with it. Request parts (path, query,
// body) use the schemas' input side, responses their output side; errors share one shape.
import { ErrorCode, EVENT_FRAMES_MEDIA_TYPE, JsonRpcErrorObjectSchema } from '@orchflow/protocol';
import { z } from 'zod';
import { httpStatus } from './http-errors';
import { ROUTES, type Route, type RouteDoc } from './http-routes';

/** The OpenAPI version the document follows. */
export const OPENAPI_VERSION = '3.1.0';

/** The JSON body of every error answer: `{ error: { code, codeName, message, data? } }`. */
export const ErrorBodySchema = z.object({
  // The protocol's envelopes are zod/mini schemas; their shape spreads into a classic object.
  error: z.strictObject({
    ...JsonRpcErrorObjectSchema.shape,
    /** The symbolic name of `code` (`TerminalNotFound`), `UnknownError` for a code orchflow does not list. */
    codeName: z.enum(['UnknownError', ...Object.keys(ErrorCode)]),
  }),
});

/** What the document depends on beyond the route table. */
export interface OpenApiOptions {
  /** The document's `info.version` (the server's version). */
  version: string;
  /** True when the server checks bearer tokens; the document then requires them. */
  bearerAuth: boolean;
  /** Routes to describe. Default: every route the server serves. */
  routes?: readonly Route[];
}

type Json = Record<string, unknown>;

/** Builds the OpenAPI 3.1 document of the given routes. */
export function openApiDocument(options: OpenApiOptions): Json {
  const paths: Record<string, Json> = {};
  for (const route of options.routes ?? ROUTES) {
    const path = openApiPath(route.path);
    paths[path] ??= {};
    (paths[path] as Json)[route.method.toLowerCase()] = operation(route, options.bearerAuth);
  }
  return {
    openapi: OPENAPI_VERSION,
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'orchflow HTTP API',
      version: options.version,
      description:
        'REST routes for terminals (each a call of one orchflow protocol method, with the same validation, scoping and policy as over JSON-RPC), a per-terminal SSE output stream, and JSON-RPC sessions at /v1/rpc.',
    },
    paths,
    components: {
      schemas: { Error: jsonSchema(ErrorBodySchema, 'output') },
      responses: {
        Error: {
          description: `An orchflow error. Status by code: ${statusTable()}; 405 (with Allow) for a wrong method, 415 for a POST that is not application/json, 403 for a browser Origin the server does not allow.`,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
      ...(options.bearerAuth ? { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } } : {}),
    },
    ...(options.bearerAuth ? { security: [{ bearerAuth: [] }] } : {}),
  };
}

/** `/v1/terminals/:terminalId` → `/v1/terminals/{terminalId}`. */
export function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, '{$1}');
}

function operation(route: Route, bearerAuth: boolean): Json {
  const { doc } = route;
  const parameters = [
    ...fields(doc.path, 'path'),
    ...fields(doc.query, 'query'),
    ...Object.entries(doc.headers ?? {}).map(([name, header]) => ({
      name,
      in: 'header',
      required: header.required ?? false,
      description: header.description,
      schema: { type: 'string' },
    })),
  ];
  return {
    operationId: operationId(route),
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(doc.body
      ? {
          requestBody: {
            required: true,
            content: { [doc.bodyMediaType ?? 'application/json']: { schema: jsonSchema(doc.body, 'input') } },
          },
        }
      : {}),
    responses: responses(doc),
    ...(bearerAuth && doc.auth === false ? { security: [] } : {}),
  };
}

function responses(doc: RouteDoc): Json {
  const out: Json = { [String(doc.status ?? 200)]: success(doc.response) };
  for (const [status, answer] of Object.entries(doc.alsoAnswers ?? {})) {
    out[status] = {
      description: answer.description,
      ...(answer.schema
        ? { content: { 'application/json': { schema: jsonSchema(answer.schema, 'output') } } }
        : {}),
    };
  }
  out['4XX'] = { $ref: '#/components/responses/Error' };
  out['5XX'] = { $ref: '#/components/responses/Error' };
  return out;
}

function success(response: RouteDoc['response']): Json {
  if (response === 'empty') return { description: 'Done; no body' };
  if (response === 'event-stream') {
    return {
      description: 'A Server-Sent Events stream',
      content: { 'text/event-stream': { schema: { type: 'string' } } },
    };
  }
  if (response === 'session-events') {
    return {
      description:
        'The session events: Server-Sent Events, or binary frames for a session created with `?events=frames`',
      content: {
        'text/event-stream': { schema: { type: 'string' } },
        [EVENT_FRAMES_MEDIA_TYPE]: { schema: { type: 'string', format: 'binary' } },
      },
    };
  }
  return {
    description: 'Success',
    content: { 'application/json': { schema: jsonSchema(response, 'output') } },
  };
}

/** One parameter per property of a path or query schema. */
function fields(schema: z.core.$ZodObject | undefined, where: 'path' | 'query'): Json[] {
  if (!schema) return [];
  const json = jsonSchema(schema, 'input') as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: property,
  }));
}

function jsonSchema(schema: z.core.$ZodType, io: 'input' | 'output'): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io }) as Json;
  return rest;
}

/** `GET /v1/terminals/:terminalId/output` → `getTerminalsTerminalIdOutput`. */
function operationId(route: Route): string {
  const words = route.path
    .split('/')
    .filter((part) => part !== '' && part !== 'v1')
    .map((part) =>
      part
        .replace(/^:/, '')
        .replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase()),
    )
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1));
  return `${route.method.toLowerCase()}${words.join('')}`;
}

function statusTable(): string {
  return Object.entries(ErrorCode)
    .map(([name, code]) => `${name} (${code}) → ${httpStatus(code)}`)
    .join(', ');
}
