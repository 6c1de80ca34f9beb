// The `$/` messages that belong to the RPC layer rather than to terminals: liveness, cancellation
// and generic progress, handled by `RpcPeer` for every transport (as in LSP), and the clean end of
// a connection (`$/shutdown`, answered by the server's dispatcher).
import { z } from 'zod';
import { RequestIdSchema } from '../jsonrpc';
import { ProgressTokenSchema } from './common';

/** Params of `$/ping`; none are defined. */
export const PingParamsSchema = z.object({});
/** Params of `$/ping`. */
export type PingParams = z.infer<typeof PingParamsSchema>;

/** Result of `$/ping`. */
export const PingResultSchema = z.object({
  pong: z.literal(true),
  /** The responder's clock, in ms since the Unix epoch. */
  time: z.number().int().nonnegative(),
});
/** Result of `$/ping`. */
export type PingResult = z.infer<typeof PingResultSchema>;

/** Params of `$/shutdown`; none are defined. */
export const ShutdownParamsSchema = z.object({});
/** Params of `$/shutdown`. */
export type ShutdownParams = z.infer<typeof ShutdownParamsSchema>;

/**
 * Result of `$/shutdown`, the request a client sends right before a clean close: the server has
 * released the connection's terminals (killed them, so they no longer count against quotas)
 * before it answers. A connection that ends without it is treated as dropped (terminals of a
 * reconnecting transport then wait for the client to return).
 */
export const ShutdownResultSchema = z.object({
  /** Terminals the server killed for this connection. */
  released: z.number().int().nonnegative(),
});
/** Result of `$/shutdown`. */
export type ShutdownResult = z.infer<typeof ShutdownResultSchema>;

/**
 * Params of the `$/cancelRequest` notification: the sender no longer wants the response to
 * request `id`. It is a notification, as in LSP, because there is nothing to answer; the cancelled
 * request itself then fails with `ErrorCode.Cancelled` (or completes, if it was already done).
 */
export const CancelRequestParamsSchema = z.object({ id: RequestIdSchema });
/** Params of `$/cancelRequest`. */
export type CancelRequestParams = z.infer<typeof CancelRequestParamsSchema>;

/** Params of the `$/progress` notification: a progress report for the request that sent `token`. */
export const ProgressParamsSchema = z.object({
  token: ProgressTokenSchema,
  /** Progress payload; its shape is defined by the method that reports it. */
  value: z.unknown(),
});
/** Params of `$/progress`. */
export type ProgressParams = z.infer<typeof ProgressParamsSchema>;
