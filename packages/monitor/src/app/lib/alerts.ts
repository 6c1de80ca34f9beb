// The header's alert list: `security.alert` notifications as they come, newest first, each
// dismissable; bounded so a flood of denials cannot grow the page without limit.
import type { SecurityAlert } from './types';

/** Alerts kept at most; older ones fall off the end. */
export const MAX_ALERTS = 100;

/** An alert the list holds. */
export interface ListedAlert extends SecurityAlert {
  /** Unique within the list, for dismissing and keyed rendering. */
  id: number;
  /** When the page received it (ms since the epoch). */
  receivedAt: number;
}

/** A bounded, dismissable list of security alerts. */
export class AlertList {
  private items: ListedAlert[] = [];
  private nextId = 1;

  constructor(private readonly max = MAX_ALERTS) {}

  /** Adds an alert at the front; returns it. */
  add(alert: SecurityAlert, receivedAt: number): ListedAlert {
    const listed = { ...alert, id: this.nextId++, receivedAt };
    this.items = [listed, ...this.items].slice(0, this.max);
    return listed;
  }

  /** Removes the alert with `id`; false when it is not (or no longer) listed. */
  dismiss(id: number): boolean {
    const before = this.items.length;
    this.items = this.items.filter((alert) => alert.id !== id);
    return this.items.length !== before;
  }

  /** Removes every alert. */
  clear(): void {
    this.items = [];
  }

  /** The open alerts, newest first. */
  get open(): readonly ListedAlert[] {
    return this.items;
  }
}

/** Reads a `security.alert` notification's params; undefined when they are not an alert. */
export function parseAlert(params: unknown): SecurityAlert | undefined {
  if (typeof params !== 'object' || params === null) return undefined;
  const p = params as Record<string, unknown>;
  const severity = p.severity;
  if (severity !== 'info' && severity !== 'warning' && severity !== 'critical') return undefined;
  if (typeof p.reason !== 'string') return undefined;
  const alert: SecurityAlert = { severity, reason: p.reason };
  for (const field of ['rule', 'command', 'agentId', 'terminalId'] as const) {
    const value = p[field];
    if (typeof value === 'string') alert[field] = value;
  }
  return alert;
}
