// A terminal's command history (`terminal.history`, RemoteTerminal.history()) as the focus view
// shows it. Feature-detected: a client without it leaves the history empty.
import type { CommandRecord } from './types';

/** Rows fetched for the focus view. */
export const HISTORY_LIMIT = 100;

/** Fetches the handle's history, or undefined when this client has no `history()`. */
export async function fetchHistory(
  handle: object,
  limit = HISTORY_LIMIT,
): Promise<CommandRecord[] | undefined> {
  const method = (handle as { history?: (limit?: number) => Promise<unknown> }).history;
  if (typeof method !== 'function') return undefined;
  return normalizeHistory(await method.call(handle, limit));
}

/** Reads a history result (`{ commands }` or a bare array), dropping malformed rows; oldest first. */
export function normalizeHistory(result: unknown): CommandRecord[] {
  const rows = Array.isArray(result)
    ? result
    : typeof result === 'object' &&
        result !== null &&
        Array.isArray((result as { commands?: unknown }).commands)
      ? (result as { commands: unknown[] }).commands
      : [];
  const records: CommandRecord[] = [];
  for (const row of rows) {
    if (typeof row !== 'object' || row === null) continue;
    const r = row as Record<string, unknown>;
    if (typeof r.command !== 'string' || typeof r.startedAt !== 'string') continue;
    const record: CommandRecord = { command: r.command, startedAt: r.startedAt };
    if (typeof r.durationMs === 'number') record.durationMs = r.durationMs;
    if (typeof r.exitCode === 'number' || r.exitCode === null) record.exitCode = r.exitCode;
    if (typeof r.cwd === 'string') record.cwd = r.cwd;
    if (r.source === 'execute' || r.source === 'typed') record.source = r.source;
    records.push(record);
  }
  return records;
}
