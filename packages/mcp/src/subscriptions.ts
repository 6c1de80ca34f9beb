// Resource update notifications for the terminal resources. A subscribed `…/output` or `…/screen`
// URI gets `notifications/resources/updated` when its terminal prints (at most one per URI per
// RESOURCE_UPDATE_MS) until the subscription ends, the terminal exits or the session closes.
// Two ways in: `resources/subscribe` (2025 revisions; it belongs to one SDK server instance, i.e.
// one connection, and ends at unsubscribe or a failed send) and 2026-07-28's
// `subscriptions/listen` over Streamable HTTP (listen.ts).
import { type McpServer, ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import { resourceGuarded } from './resource-errors';
import type { TerminalRecord } from './terminal-record';
import type { ToolHost } from './tool-host';

/** Least time between two update notifications for one resource URI (ms). */
export const RESOURCE_UPDATE_MS = 250;

const TERMINAL_RESOURCE = /^orchflow:\/\/terminals\/([^/]+)\/(output|screen)$/;

/** The terminal id of a subscribable terminal resource URI, or undefined for any other URI. */
export function terminalOfUri(uri: string): string | undefined {
  const match = TERMINAL_RESOURCE.exec(uri);
  return match ? decodeURIComponent(match[1] as string) : undefined;
}

/**
 * Calls `send` when `record`'s terminal prints, at most once per {@link RESOURCE_UPDATE_MS}, and
 * `onEnd` once the terminal exits or its record is disposed. Returns the function that stops it.
 */
export function watchUpdates(record: TerminalRecord, send: () => void, onEnd: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let lastSent = 0;
  const fire = () => {
    timer = undefined;
    lastSent = Date.now();
    send();
  };
  const stop = () => {
    unwatch();
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  const unwatch = record.watch((ended) => {
    if (ended) {
      stop();
      return onEnd();
    }
    if (timer) return;
    const wait = lastSent + RESOURCE_UPDATE_MS - Date.now();
    if (wait <= 0) return fire();
    timer = setTimeout(fire, wait);
    timer.unref();
  });
  return stop;
}

/** Handles `resources/subscribe` and `resources/unsubscribe` on `server`. */
export function registerSubscriptions(server: McpServer, host: ToolHost): void {
  const subscriptions = new Map<string, () => void>();
  const stop = (uri: string) => {
    subscriptions.get(uri)?.();
    subscriptions.delete(uri);
  };
  server.server.setRequestHandler('resources/subscribe', async (request, ctx) => {
    const uri = request.params.uri;
    const id = terminalOfUri(uri);
    if (id === undefined) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `Cannot subscribe to '${uri}': only orchflow://terminals/{id}/output and /screen`,
      );
    }
    const record = await resourceGuarded(uri, async () => (await host.session(ctx)).record(id));
    if (subscriptions.has(uri)) return {};
    const send = () => void server.server.sendResourceUpdated({ uri }).catch(() => stop(uri));
    subscriptions.set(
      uri,
      watchUpdates(record, send, () => subscriptions.delete(uri)),
    );
    return {};
  });
  server.server.setRequestHandler('resources/unsubscribe', async (request) => {
    stop(request.params.uri);
    return {};
  });
}
