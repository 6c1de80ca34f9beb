// Methods answered by every live node at once: `terminal.list`, `orchestrator.metrics` and the
// bulk controls (`killAll`, `pauseAll`, `resumeAll`). Nodes are asked in parallel, each bounded
// by `fanOutTimeoutMs`; the ones that did not answer (timeout, unreachable, link closed) are
// named in `unreachableNodes` rather than failing the whole call. If no node answered and one
// gave a real answer error (Forbidden, InvalidParams…), that error is the result.
import {
  ErrorCode,
  isOrchflowError,
  type KillAllResult,
  type ListParams,
  type ListResult,
  type MetricsResult,
  type RequestContext,
  type TerminalInfo,
} from '@orchflow/protocol';
import { mergeMetrics, sumField } from './merge';
import type { RouterContext } from './router-context';

/** What the nodes answered, and who did not. */
export interface FanOutResult<R> {
  answers: { nodeId: string; result: R }[];
  unreachable: string[];
}

const UNREACHABLE_CODES: ReadonlySet<number> = new Set([
  ErrorCode.Unavailable,
  ErrorCode.Timeout,
  ErrorCode.ChannelClosed,
  ErrorCode.Cancelled,
]);

/** Calls `method` on every live node in parallel. */
export async function fanOut<R>(
  router: RouterContext,
  method: string,
  params: unknown,
  context: RequestContext,
): Promise<FanOutResult<R>> {
  const nodes = router.live().map((n) => n.id);
  const settled = await Promise.all(
    nodes.map(async (nodeId) => {
      // One signal per node: the caller's cancellation, or this node's deadline. A plain timer,
      // not AbortSignal.timeout: Node may collect a timeout signal only AbortSignal.any refers to.
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(new Error('deadline')), router.fanOutTimeoutMs);
      const signal = AbortSignal.any([context.signal, deadline.signal]);
      const abort = aborted(signal);
      try {
        const link = router.link(nodeId);
        const result = await Promise.race([link.call<R>(method, params, { signal }, true), abort.promise]);
        return { nodeId, result };
      } catch (error) {
        return { nodeId, error };
      } finally {
        clearTimeout(timer);
        // Node keeps a composite signal with an `abort` listener alive while its sources are (the
        // caller's signal may live as long as its connection): leave none on it.
        abort.stop();
      }
    }),
  );
  const answers: FanOutResult<R>['answers'] = [];
  const unreachable: string[] = [];
  let refusal: unknown;
  for (const entry of settled) {
    if ('result' in entry) answers.push(entry as { nodeId: string; result: R });
    else {
      unreachable.push(entry.nodeId);
      if (isOrchflowError(entry.error) && !UNREACHABLE_CODES.has(entry.error.code)) refusal ??= entry.error;
    }
  }
  if (answers.length === 0 && refusal !== undefined) throw refusal;
  return { answers, unreachable };
}

/** `terminal.list` over the cluster, with the terminals of lost nodes listed as exited. */
export async function listCluster(
  router: RouterContext,
  params: ListParams,
  context: RequestContext,
): Promise<ListResult> {
  const { answers, unreachable } = await fanOut<ListResult>(router, 'terminal.list', params, context);
  const terminals: TerminalInfo[] = [];
  for (const { nodeId, result } of answers) {
    // Only a full listing may replace what the book knows of the node.
    if (params.agentId === undefined && params.state === undefined)
      router.book.replace(nodeId, result.terminals);
    terminals.push(...result.terminals);
  }
  terminals.push(...router.book.lostTerminals(params));
  return unreachable.length > 0 ? { terminals, unreachableNodes: unreachable } : { terminals };
}

/** `orchestrator.metrics` summed over the cluster. */
export async function metricsOfCluster(
  router: RouterContext,
  params: unknown,
  context: RequestContext,
): Promise<MetricsResult> {
  const { answers, unreachable } = await fanOut<MetricsResult>(
    router,
    'orchestrator.metrics',
    params,
    context,
  );
  const merged = mergeMetrics(answers.map((a) => a.result));
  return unreachable.length > 0 ? { ...merged, unreachableNodes: unreachable } : merged;
}

/** A bulk control (`killAll`, `pauseAll`, `resumeAll`) on every node; its count summed. */
export async function bulkControl<F extends 'killed' | 'paused' | 'resumed'>(
  router: RouterContext,
  method: string,
  field: F,
  params: unknown,
  context: RequestContext,
): Promise<Record<F, number> & Pick<KillAllResult, 'unreachableNodes'>> {
  const fanned = await fanOut<Record<F, number>>(router, method, params, context);
  const { answers } = fanned;
  // A node lost while it ran terminals may only be stalled (or, with tmux, have kept them): they
  // may still run, and this call could not reach them.
  const agentId = (params as { agentId?: string } | undefined)?.agentId;
  const unreachable = [...new Set([...fanned.unreachable, ...router.book.unreachedLost(agentId)])];
  const total = {
    [field]: sumField(
      answers.map((a) => a.result),
      field,
    ),
  } as Record<F, number>;
  return unreachable.length > 0 ? { ...total, unreachableNodes: unreachable } : total;
}

/** Rejects with the signal's reason once it aborts; `stop()` removes its listener. */
function aborted(signal: AbortSignal): { promise: Promise<never>; stop: () => void } {
  let fail: () => void = () => undefined;
  const promise = new Promise<never>((_, reject) => {
    fail = () => reject(signal.reason);
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
  // Raced, so handled; but a rejection after `stop()` must not be reported as unhandled either.
  promise.catch(() => undefined);
  return { promise, stop: () => signal.removeEventListener('abort', fail) };
}
