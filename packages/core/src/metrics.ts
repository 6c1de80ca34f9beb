// Orchestrator-wide metrics in the shape of the protocol's `orchestrator.metrics` result.
import type { MetricsResult, ProcessMetrics } from '@orchflow/protocol';
import { ptyDrainStats } from '@orchflow/terminal';
import type { TerminalRecord } from './registry';

/** Counts terminals and commands; samples process trees when `includeProcesses` is set. */
export async function collectMetrics(
  records: readonly TerminalRecord[],
  commandsExecuted: number,
  uptimeMs: number,
  includeProcesses: boolean,
): Promise<MetricsResult> {
  const live = records.filter((r) => r.session.exitInfo === undefined);
  const terminalsByAgent: Record<string, number> = {};
  for (const r of live) terminalsByAgent[r.agentId] = (terminalsByAgent[r.agentId] ?? 0) + 1;
  const result: MetricsResult = {
    terminals: { total: records.length, running: live.length },
    terminalsByAgent,
    commandsExecuted,
    uptimeMs,
    // A lost guarantee (node-pty's internals changed) must show, not only in one warning.
    outputDrain: ptyDrainStats(),
  };
  if (includeProcesses) {
    const samples = await Promise.all(
      live.map(async (r): Promise<[string, ProcessMetrics]> => [r.id, await r.session.metrics()]),
    );
    result.processes = Object.fromEntries(samples);
  }
  return result;
}
