// Client side of `terminal.subscribe`: opens subscriptions and routes `terminal.output`,
// `terminal.gap` and `terminal.exit` notifications to the sink of the subscription they name, and
// `terminal.activity` and `terminal.floor` (sent per terminal to a connection subscribed to it)
// to their listeners.
// A server may push a subscription's first chunks before its `terminal.subscribe` response
// arrives; those are held (only while a subscribe is in flight) and replayed once the id is known.
import type {
  ExitInfo,
  FloorState,
  Methods,
  OutputChunk,
  RpcPeer,
  ServerCapabilities,
  TerminalActivity,
} from '@orchflow/protocol/runtime';
import { missingFeature } from './features';
import { copyData } from './lazy-text';
import { ActivityParams, ExitParams, FloorParams, GapParams, OutputParams } from './notification-schemas';

/** A routed chunk; `nextOffset` is the server's byte offset after it (absent from older servers). */
export interface RoutedChunk extends OutputChunk {
  nextOffset?: number;
}

/** Where the notifications of one subscription go. */
export interface SubscriptionSink {
  data(chunk: RoutedChunk): void;
  gap(from: number, to: number): void;
  exit(info: ExitInfo): void;
  /** The connection closed before the terminal exited. */
  fail(error: Error): void;
}

/** An open subscription. */
export interface OpenSubscription {
  readonly subscriptionId: string;
  /** Offset of the first byte that will be delivered. */
  readonly offset: number;
  /** Stops delivery and tells the server; safe to call more than once. */
  close(): Promise<void>;
}

// What needs the `subscriptions` feature, for the Unsupported error's message.
const SUBSCRIBING = 'Live output (stream(), onOutput(), onExit(), onActivity(), onFloor())';

type Held =
  | { kind: 'data'; chunk: RoutedChunk }
  | { kind: 'gap'; from: number; to: number }
  | { kind: 'exit'; info: ExitInfo };

/** Routes subscription notifications of one connection. */
export class SubscriptionRouter {
  private readonly sinks = new Map<string, SubscriptionSink>();
  private readonly held = new Map<string, Held[]>();
  private subscribing = 0;
  private readonly activity = new Map<string, Set<(activity: TerminalActivity) => void>>();
  private readonly floor = new Map<string, Set<(state: FloorState) => void>>();

  constructor(
    private readonly peer: RpcPeer<typeof Methods>,
    /** What the connection offers, once `initialize` said so (undefined before). */
    private readonly offered: () => Pick<ServerCapabilities, 'features' | 'transports'> | undefined = () =>
      undefined,
  ) {
    peer.onNotification('terminal.output', OutputParams, (p) => {
      if (p.subscriptionId === undefined) return;
      // copyData: text a binary frame carries as bytes stays undecoded until a reader wants it.
      const chunk: RoutedChunk = copyData(p, { offset: p.offset } as RoutedChunk);
      if (p.nextOffset !== undefined) chunk.nextOffset = p.nextOffset;
      this.route(p.subscriptionId, { kind: 'data', chunk });
    });
    peer.onNotification('terminal.gap', GapParams, (p) => {
      if (p.subscriptionId !== undefined)
        this.route(p.subscriptionId, { kind: 'gap', from: p.from, to: p.to });
    });
    peer.onNotification('terminal.activity', ActivityParams, (p) => {
      for (const listener of [...(this.activity.get(p.terminalId) ?? [])]) listener(p);
    });
    peer.onNotification('terminal.floor', FloorParams, (p) => {
      for (const listener of [...(this.floor.get(p.terminalId) ?? [])]) listener(p);
    });
    peer.onNotification('terminal.exit', ExitParams, (p) => {
      if (p.subscriptionId === undefined) return;
      const info: ExitInfo = { exitCode: p.exitCode, signal: p.signal };
      // `reason` ('node-lost' from a cluster) says the exit was concluded, not seen: pass it on.
      if (p.reason !== undefined) info.reason = p.reason;
      this.route(p.subscriptionId, { kind: 'exit', info });
    });
  }

  /** Subscribes to a terminal's output from `fromOffset` (default: live output only). */
  async subscribe(
    terminalId: string,
    fromOffset: number | undefined,
    sink: SubscriptionSink,
  ): Promise<OpenSubscription> {
    // Every live listener comes through here: without the feature, say so instead of sending a
    // method the server may not know (MethodNotFound) or never answer with output.
    const offered = this.offered();
    const missing = offered && missingFeature(offered, 'subscriptions', SUBSCRIBING);
    if (missing) throw missing;
    this.subscribing++;
    let result: { subscriptionId: string; offset: number };
    try {
      result = await this.peer.request('terminal.subscribe', { terminalId, fromOffset });
    } finally {
      this.subscribing--;
    }
    const { subscriptionId, offset } = result;
    this.sinks.set(subscriptionId, sink);
    for (const event of this.held.get(subscriptionId) ?? []) this.deliver(sink, subscriptionId, event);
    this.held.delete(subscriptionId);
    if (this.subscribing === 0) this.held.clear();
    let closed = false;
    return {
      subscriptionId,
      offset,
      close: async () => {
        if (closed) return;
        closed = true;
        const wasOpen = this.sinks.delete(subscriptionId);
        if (wasOpen && !this.peer.isClosed)
          await this.peer.request('terminal.unsubscribe', { subscriptionId });
      },
    };
  }

  /** Calls `listener` with `terminal.activity` of `terminalId`; returns the function that stops it. */
  onActivity(terminalId: string, listener: (activity: TerminalActivity) => void): () => void {
    return listen(this.activity, terminalId, listener);
  }

  /** Calls `listener` with `terminal.floor` of `terminalId`; returns the function that stops it. */
  onFloor(terminalId: string, listener: (state: FloorState) => void): () => void {
    return listen(this.floor, terminalId, listener);
  }

  /** Fails one subscription whose stream was cut on this side (a channel's local failure). */
  fail(subscriptionId: string, reason: Error): void {
    const sink = this.sinks.get(subscriptionId);
    this.sinks.delete(subscriptionId);
    sink?.fail(reason);
  }

  /** Fails every open subscription: the connection is gone, so no more output can arrive. */
  closeAll(reason: Error): void {
    const sinks = [...this.sinks.values()];
    this.sinks.clear();
    this.held.clear();
    for (const sink of sinks) sink.fail(reason);
  }

  private route(subscriptionId: string, event: Held): void {
    const sink = this.sinks.get(subscriptionId);
    if (sink) {
      this.deliver(sink, subscriptionId, event);
      return;
    }
    if (this.subscribing === 0) return;
    const list = this.held.get(subscriptionId) ?? [];
    list.push(event);
    this.held.set(subscriptionId, list);
  }

  private deliver(sink: SubscriptionSink, subscriptionId: string, event: Held): void {
    if (event.kind === 'data') sink.data(event.chunk);
    else if (event.kind === 'gap') sink.gap(event.from, event.to);
    else {
      this.sinks.delete(subscriptionId);
      sink.exit(event.info);
    }
  }
}

/** Adds `listener` to `terminalId`'s set in `map`; returns the function that removes it. */
function listen<T>(
  map: Map<string, Set<(value: T) => void>>,
  terminalId: string,
  listener: (value: T) => void,
): () => void {
  const listeners = map.get(terminalId) ?? new Set();
  listeners.add(listener);
  map.set(terminalId, listeners);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && map.get(terminalId) === listeners) map.delete(terminalId);
  };
}
