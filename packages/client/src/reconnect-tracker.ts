// What a reconnecting channel must remember about the traffic of the client above it: the
// `initialize` params (to authenticate again), requests awaiting a response (to re-send the safe
// ones or fail the rest) and every open output subscription with the offset after its last
// delivered byte. Subscription ids the client sees are this tracker's own, stable across
// connections; server ids are mapped to them, and output already delivered is dropped by offset.
import {
  ChannelClosedError,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type JsonRpcSingleMessage,
  localFailure,
  type RequestId,
} from '@orchflow/protocol/runtime';
import { withFields } from './lazy-text';

/** Methods safe to send again after a lost connection: running them twice changes nothing. */
const RETRYABLE = new Set([
  'initialize',
  '$/ping',
  'terminal.list',
  'terminal.read',
  'terminal.snapshot',
  'terminal.activity',
  'terminal.resize',
  'terminal.subscribe',
  'orchestrator.metrics',
]);

interface Pending {
  request: JsonRpcRequest;
  /** False while it waits in a queue: not sent, so safe to send again whatever it is. */
  sent: boolean;
}

/** An output subscription that survives reconnects. */
export interface TrackedSubscription {
  readonly clientId: string;
  readonly terminalId: string;
  /** Offset of the next byte the client has not seen. */
  next: number;
}

type Fields = Record<string, unknown>;

/** Protocol state a reconnecting channel carries from one connection to the next. */
export class ReconnectTracker {
  // An ES private field, not `private`: it holds the token, which must not show in
  // `util.inspect`/`JSON.stringify` of a client (loggers serialise objects they are handed).
  #initParams: Fields | undefined;
  private readonly pending = new Map<RequestId, Pending>();
  private readonly subscriptions = new Map<string, TrackedSubscription>();
  private readonly serverToClient = new Map<string, string>();
  private counter = 0;

  /** Params of the client's `initialize`, replayed on every new connection. */
  get initParams(): Fields | undefined {
    return this.#initParams;
  }

  /** Records an outgoing message; returns it with subscription ids mapped to the server's. */
  outgoing(message: JsonRpcMessage, sent: boolean): JsonRpcMessage {
    if (Array.isArray(message)) return message.map((item) => this.outgoingOne(item, sent)) as JsonRpcMessage;
    return this.outgoingOne(message, sent);
  }

  /** Marks queued requests as sent. */
  markSent(message: JsonRpcMessage): void {
    for (const item of Array.isArray(message) ? message : [message]) {
      if ('method' in item && 'id' in item) {
        const pending = this.pending.get(item.id);
        if (pending) pending.sent = true;
      }
    }
  }

  /** Maps an incoming message for the client; undefined when all of it was already delivered. */
  incoming(message: JsonRpcMessage): JsonRpcMessage | undefined {
    if (!Array.isArray(message)) return this.incomingOne(message);
    const kept = message.map((item) => this.incomingOne(item)).filter((item) => item !== undefined);
    return kept.length > 0 ? (kept as JsonRpcMessage) : undefined;
  }

  /**
   * The connection was lost. Server subscription ids die with it; requests that may have run are
   * failed locally with `ChannelClosedError` (the caller decides whether to retry); the rest are
   * returned to resend.
   */
  disconnected(): { failures: JsonRpcResponse[]; resend: JsonRpcRequest[] } {
    this.serverToClient.clear();
    const failures: JsonRpcResponse[] = [];
    const resend: JsonRpcRequest[] = [];
    for (const [id, pending] of this.pending) {
      if (!pending.sent || RETRYABLE.has(pending.request.method)) {
        pending.sent = false;
        resend.push(pending.request);
        continue;
      }
      this.pending.delete(id);
      // A local error, not a server's: nobody knows whether the request ran.
      const lost = new ChannelClosedError(
        `The connection was lost before '${pending.request.method}' was answered; it may or may not have run on the server (a command keeps running there). Check the terminal's state (e.g. read its output by offset) before retrying`,
      );
      failures.push(localFailure({ id }, lost));
    }
    return { failures, resend };
  }

  /** Subscriptions to open again on a new connection. */
  openSubscriptions(): TrackedSubscription[] {
    return [...this.subscriptions.values()];
  }

  /** Routes a new connection's subscription `serverId` to the client's `clientId`. */
  rebind(clientId: string, serverId: string): void {
    this.serverToClient.set(serverId, clientId);
  }

  /** Forgets a subscription whose terminal is gone. */
  drop(clientId: string): void {
    this.subscriptions.delete(clientId);
  }

  private outgoingOne(item: JsonRpcSingleMessage, sent: boolean): JsonRpcSingleMessage {
    if (!('method' in item)) return item;
    const params = (item.params ?? {}) as Fields;
    if (item.method === 'initialize') this.#initParams = params;
    if (item.method === 'terminal.unsubscribe' && typeof params.subscriptionId === 'string') {
      const clientId = params.subscriptionId;
      this.subscriptions.delete(clientId);
      const serverId = this.serverIdOf(clientId);
      if (serverId !== undefined) this.serverToClient.delete(serverId);
      item = { ...item, params: { ...params, subscriptionId: serverId ?? clientId } };
    }
    if ('id' in item) this.pending.set(item.id, { request: item as JsonRpcRequest, sent });
    return item;
  }

  private incomingOne(item: JsonRpcSingleMessage): JsonRpcSingleMessage | undefined {
    if ('method' in item) return this.notification(item);
    if (item.id === null) return item;
    const pending = this.pending.get(item.id);
    this.pending.delete(item.id);
    if (pending?.request.method !== 'terminal.subscribe' || !('result' in item)) return item;
    const result = item.result as { subscriptionId: string; offset: number };
    const terminalId = (pending.request.params as Fields).terminalId as string;
    const clientId = `rsub-${++this.counter}`;
    this.subscriptions.set(clientId, { clientId, terminalId, next: result.offset });
    this.serverToClient.set(result.subscriptionId, clientId);
    return { ...item, result: { ...result, subscriptionId: clientId } };
  }

  private notification(item: JsonRpcRequest | JsonRpcNotification): JsonRpcSingleMessage | undefined {
    const params = item.params as Fields | undefined;
    const serverId = params?.subscriptionId;
    if (typeof serverId !== 'string') return item;
    const clientId = this.serverToClient.get(serverId);
    const subscription = clientId === undefined ? undefined : this.subscriptions.get(clientId);
    if (!subscription || clientId === undefined) return item;
    // withFields, not a spread: a spread reads `data`, which decodes a binary frame's bytes.
    const mapped: Fields = withFields(params as Fields, { subscriptionId: clientId });
    if (item.method === 'terminal.output') {
      const trimmed = trimSeen(mapped, subscription.next);
      if (!trimmed) return undefined;
      subscription.next = trimmed.end;
      return { ...item, params: trimmed.params };
    }
    if (item.method === 'terminal.gap') {
      const to = Number(mapped.to);
      if (to <= subscription.next) return undefined;
      const from = Math.max(Number(mapped.from), subscription.next);
      subscription.next = to;
      return { ...item, params: { ...mapped, from } };
    }
    if (item.method === 'terminal.exit') {
      this.subscriptions.delete(clientId);
      this.serverToClient.delete(serverId);
    }
    return { ...item, params: mapped };
  }

  private serverIdOf(clientId: string): string | undefined {
    for (const [serverId, id] of this.serverToClient) if (id === clientId) return serverId;
    return undefined;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Drops the bytes of an output chunk before `next`; undefined when nothing new is left. */
function trimSeen(params: Fields, next: number): { params: Fields; end: number } | undefined {
  const offset = Number(params.offset);
  // The server's `nextOffset` spares encoding every chunk again just to measure it; only a chunk
  // that straddles `next` (the first after a reconnect) has to be cut, and so encoded.
  const known = typeof params.nextOffset === 'number' ? params.nextOffset : undefined;
  if (known !== undefined && (known <= next || offset >= next)) {
    return known <= next ? undefined : { params, end: known };
  }
  const base64 = params.encoding === 'base64';
  const bytes = base64 ? fromBase64(String(params.data)) : encoder.encode(String(params.data));
  const end = known ?? offset + bytes.length;
  if (end <= next) return undefined;
  if (offset >= next) return { params, end };
  const rest = bytes.subarray(next - offset);
  const data = base64 ? toBase64(rest) : decoder.decode(rest);
  return { params: { ...params, data, offset: next }, end };
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}
