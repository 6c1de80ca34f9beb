// @orchflow/client — the typed orchflow API over any IpcChannel. This entry is browser-safe:
// it imports nothing from Node; Node-only transports (stdio sidecar, Unix socket, WebSocket via `ws`)
// live behind `@orchflow/client/node`.

// Errors: the protocol's error surface, the same from `@orchflow/client/node` (which re-exports
// this whole entry), so one import covers the checks README and docs name.
export {
  type BatchAbortedData,
  type BatchItemResult,
  ChannelClosedError,
  type Disposer,
  ErrorCode,
  type ErrorCodeValue,
  type ExecResult,
  type ExitInfo,
  errorCodeName,
  type FloorHeldData,
  type FloorHolder,
  type FloorState,
  FrameTooLargeError,
  FramingError,
  floorHeld,
  HTTP_SESSION_HEADER,
  isFloorHeld,
  isOrchflowError,
  isOrchflowLocalError,
  isPolicyDenied,
  type LocalErrorCode,
  OrchflowError,
  type OrchflowErrorJson,
  OrchflowLocalError,
  type OutputChunk,
  orchflowErrorCode,
  type PolicyDeniedData,
  type Principal,
  policyDenial,
  type ReadResult,
  RequestTimeoutError,
  type Snapshot,
  type TerminalConfig,
  type TerminalInfo,
} from '@orchflow/protocol/runtime';
export type { BulkControlTarget } from './bulk-controls';
export {
  type BatchOptions,
  CLOSE_TIMEOUT_MS,
  DEFAULT_CLIENT_INFO,
  type DirectClientOptions,
  OrchflowClient,
  type OrchflowClientOptions,
  type RunInteractiveOptions,
  type RunScriptOptions,
  type TerminalList,
} from './client';
export type { DirectConnectable } from './connectable';
export { isAnyOrchflowError } from './errors';
export {
  DEFAULT_WAIT_FOR_TIMEOUT_MS,
  INTERACTIVE_TAIL_CHARS,
  InteractiveSession,
  type InteractiveStartOptions,
} from './interactive-session';
export type { OutputDataEvent, OutputEndEvent, OutputEvent, OutputGapEvent } from './output-events';
export { DEFAULT_STREAM_BUFFER_BYTES, type StreamOptions } from './output-stream';
export {
  type ReconnectEvents,
  type ReconnectedEvent,
  ReconnectingChannel,
  type ReconnectingEvent,
  type ReconnectOptions,
} from './reconnect-channel';
export type { BatchAbortOptions } from './remote-batch';
export {
  EXECUTE_CANCEL_WAIT_MS,
  EXECUTE_RESPONSE_MARGIN_MS,
  type RemoteExecuteOptions,
} from './remote-execute';
export { RemoteTerminal } from './remote-terminal';
export { ClientTransaction, type CommitOptions } from './transaction';
export type { HttpClientOptions } from './transports/http';
export { HTTP_CLOSE_TIMEOUT_MS, HttpChannel, type HttpChannelOptions } from './transports/http-channel';
export type { HttpStreamReconnectOptions } from './transports/http-event-stream';
export type { HttpAnswer, HttpExchange, HttpExchangeRequest, HttpUpload } from './transports/http-exchange';
export {
  type WebSocketChannelOptions,
  WebSocketClientChannel,
  type WebSocketFactory,
  type WebSocketLike,
} from './transports/websocket-channel';
export { openWebSocketChannel, type WebSocketClientOptions } from './transports/websocket-connect';
export { DEFAULT_WS_PING_INTERVAL_MS } from './transports/websocket-ping';
