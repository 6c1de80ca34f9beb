// Forwards a terminal's command history (its `execute()`s and the lines typed at its prompt) as
// `terminal.command` events. Each event carries the output offset of its moment so a recorder can
// put its marker between the right bytes: output is batched (≤ 16 ms) and reaches listeners after
// the history hears of the command.
import { type Disposer, disposer } from '@orchflow/protocol';
import type { EventBus } from '../event-bus';
import type { TerminalRecord } from '../registry';

/** Emits `terminal.command` for every command of `record`'s session while someone listens. */
export function forwardCommands(record: TerminalRecord, events: EventBus): Disposer {
  const { session } = record;
  if (!session.onCommand) return disposer(() => undefined);
  return session.onCommand(({ type, record: command }) => {
    if (!events.wants('terminal.command')) return;
    events.emit('terminal.command', {
      terminalId: record.id,
      agentId: record.agentId,
      type,
      record: command,
      outputOffset: outputEnd(record),
    });
  });
}

/** Offset one past the newest output byte (read as one character at most: cheap). */
function outputEnd(record: TerminalRecord): number {
  try {
    return record.session.read({ maxBytes: 1 }).endOffset;
  } catch {
    return 0;
  }
}
