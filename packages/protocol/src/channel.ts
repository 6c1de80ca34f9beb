// The transport contract. A transport only moves whole JSON-RPC messages; request matching,
// timeouts, cancellation and progress live once, in RpcPeer.
import type { JsonRpcMessage } from './jsonrpc';

/** What a custom transport implements: ordered delivery of whole JSON-RPC messages. */
export interface IpcChannel {
  /** Sends one message (or batch); rejects with `ChannelClosedError` once closed. */
  send(message: JsonRpcMessage): Promise<void>;
  /**
   * Resolves with the next message. Messages that arrived before a close are still delivered;
   * after that it rejects with `ChannelClosedError`.
   */
  receive(): Promise<JsonRpcMessage>;
  /** Closes both directions; idempotent. Pending `receive()` calls are released. */
  close(): Promise<void>;
  /** True once either side has closed. */
  readonly closed: boolean;
  /** Iterates received messages until the channel closes. */
  [Symbol.asyncIterator](): AsyncIterator<JsonRpcMessage>;
}
