// Emergency controls: pause, resume or kill every terminal, or every terminal of one agent. The
// filter is checked first (see `bulkFilter`): one that is not understood is refused, never
// widened to every terminal.
import type { BulkControlParams } from '@orchflow/protocol';
import { bulkFilter } from './call-checks';
import type { TerminalLifecycle } from './lifecycle';
import type { TerminalRecord, TerminalRegistry } from './registry';

/** A bulk control's agent filter: an agent id, `{ agentId }`, or nothing for every terminal. */
export type BulkFilter = string | BulkControlParams;

/** Pauses the running terminals `filter` selects that can be paused; returns how many were. */
export function pauseTerminals(registry: TerminalRegistry, filter: BulkFilter | undefined): number {
  const { agentId } = bulkFilter('pauseAll', filter);
  const targets = registry
    .list({ agentId, state: 'running' })
    // A session type from before `canPause` existed can be paused.
    .filter((r) => r.session.canPause !== false);
  for (const r of targets) r.session.pause();
  return targets.length;
}

/** Resumes the paused terminals `filter` selects; returns how many were. */
export function resumeTerminals(registry: TerminalRegistry, filter: BulkFilter | undefined): number {
  const { agentId } = bulkFilter('resumeAll', filter);
  const targets = registry.list({ agentId, state: 'paused' });
  for (const r of targets) r.session.resume();
  return targets.length;
}

/** Kills and removes the terminals `filter` selects; returns how many of them were live. */
export async function killTerminals(
  registry: TerminalRegistry,
  lifecycle: TerminalLifecycle,
  filter: BulkFilter | undefined,
): Promise<number> {
  const { agentId } = bulkFilter('killAll', filter);
  const targets = registry.list({ agentId });
  const live = targets.filter((r) => r.session.exitInfo === undefined).length;
  await killEach(lifecycle, targets);
  return live;
}

/** Kills every one of `records` at once; one that fails to die does not stop the others. */
export async function killEach(
  lifecycle: TerminalLifecycle,
  records: readonly TerminalRecord[],
): Promise<void> {
  await Promise.all(records.map((r) => lifecycle.kill(r).catch(() => undefined)));
}
