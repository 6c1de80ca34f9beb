// Forwards the orchestrator's `security.alert` events to one connection as `security.alert`
// notifications. Admins and viewers hear every alert; an agent principal hears only alerts about
// agents it may act as, and not those that name no agent (e.g. an unwritable audit log). A
// connection whose internal errors are redacted (a network client) hears an audit-log alert
// without its reason's host detail (the log's path, the OS error), as it would the InternalError.
import type { InternalErrorDetail, SecurityAlertParams } from '@orchflow/protocol';
import { AUDIT_LOG_ALERT_RULE } from '../events';
import type { Orchestrator } from '../orchestrator';
import type { Connection } from './connection';

/** The reason a redacted connection's audit-log alert carries instead of the log's own error. */
export const AUDIT_LOG_ALERT_REDACTED_REASON =
  "The server's audit log could not be written, so commands are refused until it can be (fail closed). The server's operator finds the cause in the server's log, under the error id of each command refused for it";

/** `alert` as a connection with `detail` hears it. */
function alertFor(alert: SecurityAlertParams, detail: InternalErrorDetail): SecurityAlertParams {
  if (detail === 'full' || alert.rule !== AUDIT_LOG_ALERT_RULE) return alert;
  return { ...alert, reason: AUDIT_LOG_ALERT_REDACTED_REASON };
}

/** Starts forwarding; returns the function that stops it. */
export function forwardSecurityAlerts(
  orch: Orchestrator,
  conn: Connection,
  notify: (params: SecurityAlertParams) => Promise<void>,
  detail: InternalErrorDetail = 'full',
): () => void {
  const listener = (alert: SecurityAlertParams): void => {
    if (!conn.initialized || conn.closed) return;
    const scope = conn.scope('security.alert');
    const visible = scope.readsAll || (alert.agentId !== undefined && scope.mayActAs(alert.agentId));
    // A closed channel rejects; the connection's own close path cleans up.
    if (visible) notify(alertFor(alert, detail)).catch(() => undefined);
  };
  orch.on('security.alert', listener);
  return () => orch.off('security.alert', listener);
}
