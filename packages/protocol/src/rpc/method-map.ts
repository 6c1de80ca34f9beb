// Type-level glue between RpcPeer and a method map. RpcPeer stays generic over zod schemas; a map
// of the shape `{ [method]: { params, result } }` (and `{ [notification]: schema }`) only sharpens
// the types of `request`, `notify` and handlers. Methods missing from a map stay `unknown`.
import type { z } from 'zod';

/** The params and result schemas of one method. */
export interface MethodSpec {
  /** Schema of the request's params. */
  params: z.ZodType;
  /** Schema of the response's result. */
  result: z.ZodType;
}

/** Any map from method name to {@link MethodSpec}; the shape of the protocol's `Methods`. */
export type MethodMap = Record<string, MethodSpec>;

/** Any map from notification name to its params schema; the shape of the protocol's `Notifications`. */
export type NotificationMap = Record<string, z.ZodType>;

/** What a caller passes as params of method `K` (the schema's input type), else `unknown`. */
export type MethodParams<M extends MethodMap, K extends string> = K extends keyof M
  ? z.input<M[K]['params']>
  : unknown;

/** What a caller receives as result of method `K` (the schema's output type), else `unknown`. */
export type MethodResult<M extends MethodMap, K extends string> = K extends keyof M
  ? z.output<M[K]['result']>
  : unknown;

/** What a handler of method `K` returns (the result schema's input type), else `unknown`. */
export type HandlerResult<M extends MethodMap, K extends string> = K extends keyof M
  ? z.input<M[K]['result']>
  : unknown;

/** What a sender passes as params of notification `K`, else `unknown`. */
export type NotificationParams<N extends NotificationMap, K extends string> = K extends keyof N
  ? z.input<N[K]>
  : unknown;
