// Forwards the orchestrator's `security.alert` events to one connection as `security.alert`
// notifications. Admins and viewers hear every alert; an agent principal hears only alerts about
// agents it may act as, and not those that name no agent (e.g. an unwritable audit log).
import type { SecurityAlertParams } from '@orchflow/protocol';
import type { Orchestrator } from '../orchestrator';
import type { Connection } from './connection';

/** Starts forwarding; returns the function that stops it. */
export function forwardSecurityAlerts(
  orch: Orchestrator,
  conn: Connection,
  notify: (params: SecurityAlertParams) => Promise<void>,
): () => void {
  const listener = (alert: SecurityAlertParams): void => {
    if (!conn.initialized || conn.closed) return;
    const scope = conn.scope('security.alert');
    const visible = scope.readsAll || (alert.agentId !== undefined && scope.mayActAs(alert.agentId));
    // A closed channel rejects; the connection's own close path cleans up.
    if (visible) notify(alert).catch(() => undefined);
  };
  orch.on('security.alert', listener);
  return () => orch.off('security.alert', listener);
}
