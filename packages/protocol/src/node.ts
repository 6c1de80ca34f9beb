// @orchflow/protocol/node — Node-only pieces (byte-stream channels over Duplex streams).
export {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_MAX_BUFFERED_MESSAGES,
  StreamChannel,
  type StreamChannelOptions,
  type StreamPair,
} from './node/stream-channel';
