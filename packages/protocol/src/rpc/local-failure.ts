// Failures a channel reports on its own side of a connection: a request whose connection was lost
// before its answer came (it may or may not have run), or an output subscription whose stream was
// cut. A channel hands them to its RpcPeer in-band, as a message marked with a symbol that JSON
// cannot carry, so no peer on the wire can forge one; the peer fails the request with the local
// error itself (e.g. `ChannelClosedError`, code `ErrorCode.ChannelClosed`) instead of a server error code,
// and a subscription is failed, never ended with a made-up `terminal.exit`.
import { ErrorCode } from '../errors';
import type { JsonRpcErrorResponse, RequestId } from '../jsonrpc';

const LOCAL_FAILURE = Symbol.for('orchflow.localFailure');

/** What a local failure is about: one request, or one output subscription. */
export type LocalFailureTarget = { id: RequestId } | { subscriptionId: string };

/** A local failure as the peer receives it. */
export interface LocalFailure {
  readonly target: LocalFailureTarget;
  readonly error: Error;
}

/**
 * A message that fails `target` with `error` on this side. Over the wire (if it ever were sent)
 * it would read as an InternalError response; the peer that receives it in-process sees `error`.
 */
export function localFailure(target: LocalFailureTarget, error: Error): JsonRpcErrorResponse {
  const id = 'id' in target ? target.id : null;
  const message: JsonRpcErrorResponse = {
    jsonrpc: '2.0',
    id,
    error: { code: ErrorCode.InternalError, message: error.message },
  };
  Object.defineProperty(message, LOCAL_FAILURE, { value: { target, error } satisfies LocalFailure });
  return message;
}

/** The local failure a received value carries, if it is one. */
export function localFailureOf(value: unknown): LocalFailure | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  return (value as { [LOCAL_FAILURE]?: LocalFailure })[LOCAL_FAILURE];
}
