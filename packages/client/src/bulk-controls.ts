// The checks around the emergency controls (`pauseAll`, `resumeAll`, `killAll`): their target is
// checked before anything is sent, since a misspelt `agentId` must not widen a kill to every
// terminal, and a cluster answer that left nodes out becomes an error, since an emergency stop
// that reached only part of the cluster must not look complete.
import { ErrorCode, OrchflowError } from '@orchflow/protocol/runtime';
import { assertKnownOptions } from './option-keys';

/**
 * Which terminals an emergency control ({@link OrchflowClient.pauseAll}, `resumeAll`, `killAll`)
 * acts on: one agent's, named by its id or as `{ agentId }` (the form core's `Orchestrator` takes),
 * or every terminal the caller may control when omitted (or `{}`).
 */
export type BulkControlTarget = string | { agentId?: string | undefined };

/** The params of a bulk control for `target`; throws InvalidParams for anything but an id or `{ agentId }`. */
export function bulkParams(target: BulkControlTarget | undefined): { agentId?: string } {
  if (target === undefined || typeof target === 'string')
    return target === undefined ? {} : { agentId: target };
  assertKnownOptions('bulk', target);
  const { agentId } = target;
  if (agentId !== undefined && typeof agentId !== 'string') {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      `A bulk control's agentId must be a string, received ${typeof agentId}`,
    );
  }
  return agentId === undefined ? {} : { agentId };
}

/**
 * The count of a bulk control, or `Unavailable` when some cluster nodes did not answer: a partial
 * emergency stop must be loud, and the error's `data` still says what was done.
 */
export function completeOrThrow<F extends string>(
  method: string,
  field: F,
  result: Record<F, number> & { unreachableNodes?: string[] | undefined },
): number {
  const unreachable = result.unreachableNodes ?? [];
  if (unreachable.length === 0) return result[field];
  throw new OrchflowError(
    ErrorCode.Unavailable,
    `${method} reached only part of the cluster: ${result[field]} terminal(s) ${field}, but node(s) ${unreachable.join(', ')} did not answer in time or were lost while running terminals, so their terminals may or may not have been ${field}; retry, or check those nodes`,
    { reason: 'partial', [field]: result[field], unreachableNodes: unreachable },
  );
}
