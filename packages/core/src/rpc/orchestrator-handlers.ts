// Handlers of the `orchestrator.*` methods: emergency controls (admin only) and metrics, which an
// agent principal receives narrowed to the terminals it may see (admins and viewers see all).
import type { MetricsResult } from '@orchflow/protocol';
import type { HandlerContext } from './handler-context';
import type { PrincipalScope } from './principal-scope';

/** Registers pauseAll, resumeAll, killAll and metrics. */
export function registerOrchestratorHandlers({ orch, conn, serve }: HandlerContext): void {
  serve('orchestrator.pauseAll', (params, scope) => {
    scope.assertAdmin('orchestrator.pauseAll');
    return { paused: orch.pauseAll(params) };
  });

  serve('orchestrator.resumeAll', (params, scope) => {
    scope.assertAdmin('orchestrator.resumeAll');
    return { resumed: orch.resumeAll(params) };
  });

  serve('orchestrator.killAll', async (params, scope) => {
    scope.assertAdmin('orchestrator.killAll');
    return { killed: await orch.killAll(params) };
  });

  serve('orchestrator.metrics', async (params, scope) => {
    const metrics = await orch.metrics(params);
    return scope.readsAll ? metrics : narrow(metrics, scope, conn.commandsExecuted, orch.listTerminals());
  });
}

/** The metrics an agent may see: its terminals only, and the commands its connection ran. */
function narrow(
  metrics: MetricsResult,
  scope: PrincipalScope,
  commandsExecuted: number,
  terminals: ReturnType<HandlerContext['orch']['listTerminals']>,
): MetricsResult {
  const visible = terminals.filter((info) => scope.canRead(info));
  const ids = new Set(visible.map((info) => info.id));
  const result: MetricsResult = {
    terminals: { total: visible.length, running: visible.filter((info) => info.state !== 'exited').length },
    terminalsByAgent: Object.fromEntries(
      Object.entries(metrics.terminalsByAgent).filter(([agentId]) => scope.mayActAs(agentId)),
    ),
    commandsExecuted,
    uptimeMs: metrics.uptimeMs,
  };
  if (metrics.processes) {
    result.processes = Object.fromEntries(Object.entries(metrics.processes).filter(([id]) => ids.has(id)));
  }
  return result;
}
