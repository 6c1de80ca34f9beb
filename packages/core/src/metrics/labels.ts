// Label values of the Prometheus metrics, each from a small fixed set: a metric label must never
// carry a terminal id, an agent id or command text (unbounded series), so everything that comes
// from a caller is mapped onto a bounded vocabulary here.
import { ErrorCode, type ExitInfo, Methods, type OrchflowErrorJson } from '@orchflow/protocol';
import type { CommandEndEvent } from '../events';

/** How a command ended, as the `exit_class` label says it. */
export type ExitClass = 'ok' | 'error' | 'timeout' | 'signal';

/** `timeout` (timed out), `signal` (ended by a signal), `ok` (exit 0), else `error` (non-zero, or no result). */
export function exitClass(
  end: Pick<CommandEndEvent, 'timedOut' | 'signal' | 'exitCode' | 'error'>,
): ExitClass {
  if (end.timedOut) return 'timeout';
  if (end.signal !== null) return 'signal';
  if (end.error === undefined && end.exitCode === 0) return 'ok';
  return 'error';
}

/** How a terminal ended: `ok` (exit 0), `signal` (killed), else `error`. */
export function exitOutcome(exit: ExitInfo): 'ok' | 'error' | 'signal' {
  if (exit.signal !== null) return 'signal';
  return exit.exitCode === 0 ? 'ok' : 'error';
}

/** Why a spawn failed: `denied` (policy), `quota`, `invalid` (bad config), else `failed`. */
export function spawnOutcome(error: OrchflowErrorJson): 'denied' | 'quota' | 'invalid' | 'failed' {
  switch (error.code) {
    case ErrorCode.PolicyDenied:
      return 'denied';
    case ErrorCode.QuotaExceeded:
      return 'quota';
    case ErrorCode.InvalidParams:
      return 'invalid';
    default:
      return 'failed';
  }
}

/** Most distinct `rule` label values; later new ones count as `other`. */
export const MAX_RULE_LABELS = 64;
// 80: long enough for a deny rule's label (`deny: rm -rf /`), short enough to stay a label.
const MAX_RULE_LENGTH = 80;
// Rules whose suffix comes from the judged command itself (a program or option name): only the
// prefix is a rule name.
const DYNAMIC_RULE = /^(shell-option|unsupported-wrapper|non-literal-argument|dangerous-assignment):/;

/**
 * Maps a denial's rule onto a bounded label: policy rule names (`deny: rm -rf /`,
 * `capability:canNetwork`, `plugin:<name>`, `connection:<rule>`) as they are, the part of a
 * rule taken from the command cut off, at most {@link MAX_RULE_LABELS} distinct values.
 */
export class RuleLabels {
  private readonly seen = new Set<string>();

  /** The label for `rule` (`unknown` when a denial names none). */
  of(rule: string | undefined): string {
    if (rule === undefined || rule === '') return 'unknown';
    const connection = rule.startsWith('connection:');
    const bare = connection ? rule.slice('connection:'.length) : rule;
    const dynamic = DYNAMIC_RULE.exec(bare);
    const name = (connection ? 'connection:' : '') + (dynamic ? (dynamic[1] ?? bare) : bare);
    const label = name.slice(0, MAX_RULE_LENGTH);
    if (this.seen.has(label)) return label;
    if (this.seen.size >= MAX_RULE_LABELS) return 'other';
    this.seen.add(label);
    return label;
  }
}

const METHODS: ReadonlySet<string> = new Set(Object.keys(Methods));

/** An RPC method name as a label: a protocol method, else `other` (unknown names are caller input). */
export function methodLabel(method: string): string {
  return METHODS.has(method) ? method : 'other';
}

/** A transport name as a label: lower-case word characters, at most 32, else `other`. */
export function transportLabel(transport: string): string {
  return /^[a-z][a-z0-9_-]{0,31}$/.test(transport) ? transport : 'other';
}
