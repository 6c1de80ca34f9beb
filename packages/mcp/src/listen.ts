// Resource updates for 2026-07-28 clients over Streamable HTTP. That revision has no
// `resources/subscribe`: a client opens a `subscriptions/listen` stream naming the resource URIs
// it wants, and the SDK's handler serves the stream itself, delivering what is published on its
// event bus to every open stream whose filter names the URI. So before the request reaches the
// SDK, this module (1) keeps in the filter only the URIs of terminals the requesting client may
// see (the acknowledgement then tells the client which URIs are honored, and no stream can name a
// terminal of another client), and (2) watches those terminals while the stream is open,
// publishing `resource_updated` for them (throttled per URI across streams).
import { CLIENT_INFO_META_KEY, type ServerNotifier } from '@modelcontextprotocol/server';
import type { Principal } from '@orchflow/protocol';
import type { OrchflowMcpServer } from './server';
import { identityOf } from './session';
import { RESOURCE_UPDATE_MS, terminalOfUri, watchUpdates } from './subscriptions';

/** Most resource URIs one `subscriptions/listen` request may name (the rest are not honored). */
export const MAX_LISTEN_URIS = 64;

interface ListenMessage {
  jsonrpc: '2.0';
  id: string | number;
  method: 'subscriptions/listen';
  params: {
    _meta?: Record<string, unknown>;
    notifications?: { resourceSubscriptions?: unknown; [key: string]: unknown };
    [key: string]: unknown;
  };
}

function isListen(message: unknown): message is ListenMessage {
  const m = message as Partial<ListenMessage> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    m.method === 'subscriptions/listen' &&
    (typeof m.id === 'string' || typeof m.id === 'number') &&
    typeof m.params === 'object' &&
    m.params !== null
  );
}

/** Publishes `resource_updated` on the handler's bus, at most once per URI per RESOURCE_UPDATE_MS. */
class UpdatePublisher {
  private readonly lastSent = new Map<string, number>();
  private readonly pending = new Map<string, NodeJS.Timeout>();

  constructor(private readonly notify: ServerNotifier) {}

  changed(uri: string): void {
    if (this.pending.has(uri)) return;
    const wait = (this.lastSent.get(uri) ?? 0) + RESOURCE_UPDATE_MS - Date.now();
    if (wait <= 0) {
      this.send(uri);
      return;
    }
    const timer = setTimeout(() => this.send(uri), wait);
    timer.unref();
    this.pending.set(uri, timer);
  }

  /** Drops the bookkeeping of a URI no stream watches any more. */
  forget(uri: string): void {
    const timer = this.pending.get(uri);
    if (timer) clearTimeout(timer);
    this.pending.delete(uri);
    this.lastSent.delete(uri);
  }

  private send(uri: string): void {
    this.pending.delete(uri);
    this.lastSent.set(uri, Date.now());
    this.notify.resourceUpdated(uri);
  }
}

/** The `subscriptions/listen` side of the HTTP handler. */
export class ListenWatcher {
  private readonly publisher: UpdatePublisher;
  /** Open watches per URI (several streams, of one client or of several that may see it). */
  private readonly watching = new Map<string, number>();

  constructor(
    private readonly mcp: OrchflowMcpServer,
    notify: ServerNotifier,
  ) {
    this.publisher = new UpdatePublisher(notify);
  }

  /**
   * For a `subscriptions/listen` request: returns the message with its resource URIs narrowed to
   * those the client may see, and watches them until `signal` aborts (the stream closed). Any
   * other message is returned as it is.
   */
  async open(message: unknown, principal: Principal | undefined, signal: AbortSignal): Promise<unknown> {
    if (!isListen(message)) return message;
    const filter = message.params.notifications;
    const requested = filter?.resourceSubscriptions;
    if (!Array.isArray(requested) || requested.length === 0) return message;
    const identity = identityOf(message.params._meta?.[CLIENT_INFO_META_KEY], principal);
    const session = await this.mcp.sessionFor(identity).catch(() => undefined);
    const honored: string[] = [];
    const stops: (() => void)[] = [];
    for (const uri of requested.slice(0, MAX_LISTEN_URIS)) {
      const id = typeof uri === 'string' ? terminalOfUri(uri) : undefined;
      if (id === undefined || session === undefined || honored.includes(uri)) continue;
      const record = await session.record(id).catch(() => undefined);
      if (!record) continue;
      honored.push(uri);
      stops.push(this.watch(uri, record));
    }
    const stopAll = () => {
      for (const stop of stops.splice(0)) stop();
    };
    if (signal.aborted) stopAll();
    else signal.addEventListener('abort', stopAll, { once: true });
    const { resourceSubscriptions: _dropped, ...rest } = filter as NonNullable<typeof filter>;
    const notifications = honored.length > 0 ? { ...rest, resourceSubscriptions: honored } : rest;
    return { ...message, params: { ...message.params, notifications } };
  }

  private watch(uri: string, record: Parameters<typeof watchUpdates>[0]): () => void {
    this.watching.set(uri, (this.watching.get(uri) ?? 0) + 1);
    let live = true;
    const release = () => {
      if (!live) return;
      live = false;
      const left = (this.watching.get(uri) ?? 1) - 1;
      if (left > 0) this.watching.set(uri, left);
      else {
        this.watching.delete(uri);
        this.publisher.forget(uri);
      }
    };
    const stop = watchUpdates(record, () => this.publisher.changed(uri), release);
    return () => {
      stop();
      release();
    };
  }
}
