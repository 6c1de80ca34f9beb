// `resources/subscribe` for the terminal resources: a subscribed `…/output` or `…/screen` URI gets
// `notifications/resources/updated` when its terminal prints (at most one per URI per
// RESOURCE_UPDATE_MS), until unsubscribe, terminal exit, session close or a failed send (the
// connection is gone). Subscriptions belong to one SDK server instance, i.e. one connection.
import type { McpServer } from '@modelcontextprotocol/server';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import type { ToolHost } from './tool-host';

/** Least time between two update notifications for one resource URI (ms). */
export const RESOURCE_UPDATE_MS = 250;

const TERMINAL_RESOURCE = /^orchflow:\/\/terminals\/([^/]+)\/(output|screen)$/;

interface Subscription {
  stop(): void;
}

/** Handles `resources/subscribe` and `resources/unsubscribe` on `server`. */
export function registerSubscriptions(server: McpServer, host: ToolHost): void {
  const subscriptions = new Map<string, Subscription>();
  const stop = (uri: string) => {
    subscriptions.get(uri)?.stop();
    subscriptions.delete(uri);
  };
  server.server.setRequestHandler('resources/subscribe', async (request, ctx) => {
    const uri = request.params.uri;
    const match = TERMINAL_RESOURCE.exec(uri);
    if (!match) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `Cannot subscribe to '${uri}': only orchflow://terminals/{id}/output and /screen`,
      );
    }
    const record = await (await host.session(ctx)).record(decodeURIComponent(match[1] as string));
    if (subscriptions.has(uri)) return {};
    let timer: NodeJS.Timeout | undefined;
    let lastSent = 0;
    const send = () => {
      timer = undefined;
      lastSent = Date.now();
      server.server.sendResourceUpdated({ uri }).catch(() => stop(uri));
    };
    const unwatch = record.watch((ended) => {
      if (ended) return stop(uri);
      if (timer) return;
      const wait = lastSent + RESOURCE_UPDATE_MS - Date.now();
      if (wait <= 0) return send();
      timer = setTimeout(send, wait);
      timer.unref();
    });
    subscriptions.set(uri, {
      stop: () => {
        unwatch();
        if (timer) clearTimeout(timer);
        timer = undefined;
      },
    });
    return {};
  });
  server.server.setRequestHandler('resources/unsubscribe', async (request) => {
    stop(request.params.uri);
    return {};
  });
}
