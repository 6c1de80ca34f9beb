// Forwards the orchestrator's `security.alert` events to one connection as `security.alert`
// notifications. An agent principal hears only alerts about agents it may act as; alerts that
// name no agent (e.g. an unwritable audit log) go to admins only.
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
    const visible = alert.agentId === undefined ? scope.isAdmin : scope.mayActAs(alert.agentId);
    // A closed channel rejects; the connection's own close path cleans up.
    if (visible) notify(alert).catch(() => undefined);
  };
  orch.on('security.alert', listener);
  return () => orch.off('security.alert', listener);
}
