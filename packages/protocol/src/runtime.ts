// @orchflow/protocol/runtime — the protocol's code without its method schemas: RpcPeer, the
// JSON-RPC envelopes (zod/mini), errors, channels and the version check, plus every type of the
// root entry. A bundle that imports values only from here (the browser client) carries no classic
// zod; the root entry re-exports the same modules, so classes are identical through either.
// Browser-safe: nothing here may import a `node:*` module.

export type { IpcChannel } from './channel';
export { DirectChannel } from './direct-channel';
export { type Disposer, disposer } from './disposer';
export {
  ChannelClosedError,
  ErrorCode,
  type ErrorCodeValue,
  errorCodeName,
  FrameTooLargeError,
  FramingError,
  isOrchflowError,
  isOrchflowLocalError,
  type LocalErrorCode,
  OrchflowError,
  type OrchflowErrorJson,
  OrchflowLocalError,
  orchflowErrorCode,
  RequestTimeoutError,
} from './errors';
export * from './http-wire';
export * from './jsonrpc';
export { MessageQueue } from './message-queue';
export { renamePath } from './path-text';
export {
  type InternalErrorDetail,
  type InternalErrorReport,
  type InternalFailure,
  internalErrorId,
  internalFailure,
} from './rpc/internal-error';
export {
  type LocalFailure,
  type LocalFailureTarget,
  localFailure,
  localFailureOf,
} from './rpc/local-failure';
export type * from './rpc/method-map';
export {
  type BatchItem,
  CANCEL_REQUEST_METHOD,
  DEFAULT_REQUEST_TIMEOUT_MS,
  MAX_BATCH_MESSAGES,
  type NotificationHandler,
  PING_METHOD,
  PROGRESS_METHOD,
  type RequestContext,
  type RequestHandler,
  type RequestOptions,
  type RpcPeerOptions,
  type UnhandledRequestHandler,
} from './rpc/options';
export { RpcPeer } from './rpc/rpc-peer';
// Types only: the schemas themselves stay in the root entry (classic zod).
export type * from './schemas/activity';
export type * from './schemas/batch-methods';
export type * from './schemas/common';
export type * from './schemas/domain';
export type * from './schemas/floor';
export * from './schemas/floor-held';
export type * from './schemas/history';
export type * from './schemas/initialize';
export type * from './schemas/method-map';
export type * from './schemas/notifications';
export type * from './schemas/orchestrator-methods';
export * from './schemas/policy-denied';
export type * from './schemas/rpc';
export type * from './schemas/terminal-methods';
export * from './schemas/version';
export { suggestKey } from './suggest-key';
export type * from './terminal-like';
export { MAX_TIMER_MS } from './timer-limit';
export { type UnknownKeysData, unknownKeysError } from './unknown-keys';
