// What the router passes along with a request it forwards to a node: the caller's cancellation
// (its `$/cancelRequest` aborts the handler's signal, which sends `$/cancelRequest` to the node
// under the node link's own id; the node's answer to it, an execute's partial result, is waited
// for and passed back), its `_meta` (trace context), and its progress: the node's
// `$/progress` values go back under the caller's token, with `requestId` (which the node knows
// by the link's id) rewritten to the caller's request id.
import type { RequestContext, RequestOptions } from '@orchflow/protocol';
import { EXECUTE_CANCEL_WAIT_MS } from '../remote-execute';
import { ownerOf } from './errors';

/** Request options that forward `context`'s cancellation, `_meta` and progress. */
export function forwardOptions(context: RequestContext): RequestOptions {
  // A caller that did not wait for the answer to its cancellation has gone already; one that does
  // gets the node's (EXECUTE_CANCEL_WAIT_MS bounds the caller's wait, so it bounds this one too).
  const options: RequestOptions = { signal: context.signal, cancelWaitMs: EXECUTE_CANCEL_WAIT_MS };
  if (context.meta) {
    const { progressToken: _token, ...meta } = context.meta;
    if (Object.keys(meta).length > 0) options.meta = meta;
  }
  if (context.progressToken !== undefined) {
    options.onProgress = (value) => context.reportProgress(withRequestId(value, context.requestId));
  }
  return options;
}

function withRequestId(value: unknown, requestId: unknown): unknown {
  if (typeof value !== 'object' || value === null || !('requestId' in value)) return value;
  return { ...value, requestId };
}

/** The id a client sees for a node's subscription: `<nodeId>_<node's id>`. */
export function clusterSubscriptionId(nodeId: string, subscriptionId: string): string {
  return `${nodeId}_${subscriptionId}`;
}

/** The node and the node's own id of a cluster subscription id, or undefined if it is not one. */
export function splitSubscriptionId(id: string): { nodeId: string; subscriptionId: string } | undefined {
  const nodeId = ownerOf(id);
  return nodeId === undefined ? undefined : { nodeId, subscriptionId: id.slice(nodeId.length + 1) };
}

/** Params of a node notification as the client must see them (subscription ids made cluster-wide). */
export function clientNotificationParams(nodeId: string, params: unknown): unknown {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return params;
  const { subscriptionId } = params as { subscriptionId?: unknown };
  if (typeof subscriptionId !== 'string') return params;
  return { ...params, subscriptionId: clusterSubscriptionId(nodeId, subscriptionId) };
}
