// @orchflow/protocol — browser-safe entry. Nothing here may import a `node:*` module.

export type { IpcChannel } from './channel';
export { DirectChannel } from './direct-channel';
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
  RequestTimeoutError,
} from './errors';
export {
  isNotification,
  isRequest,
  isResponse,
  JSONRPC_VERSION,
  type JsonRpcBatch,
  JsonRpcBatchSchema,
  type JsonRpcErrorObject,
  JsonRpcErrorObjectSchema,
  type JsonRpcErrorResponse,
  JsonRpcErrorResponseSchema,
  type JsonRpcMessage,
  JsonRpcMessageSchema,
  type JsonRpcNotification,
  JsonRpcNotificationSchema,
  type JsonRpcRequest,
  JsonRpcRequestSchema,
  type JsonRpcResponse,
  JsonRpcResponseSchema,
  type JsonRpcSingleMessage,
  JsonRpcSingleMessageSchema,
  type JsonRpcSuccessResponse,
  JsonRpcSuccessResponseSchema,
  ParamsSchema,
  type RequestId,
  RequestIdSchema,
} from './jsonrpc';
export { MessageQueue } from './message-queue';
