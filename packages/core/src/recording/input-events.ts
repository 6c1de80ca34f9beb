// Raw input as `terminal.input` events: decoded only while someone listens, so a write costs
// nothing extra otherwise.
import type { EventBus } from '../event-bus';
import type { TerminalRecord } from '../registry';

const decoder = new TextDecoder('utf-8');

/** A callback for RawInputJudge that emits `terminal.input` for each write while it is listened to. */
export function inputForwarder(
  events: EventBus,
): (record: TerminalRecord, data: string | Uint8Array) => void {
  return (record, data) => {
    if (!events.wants('terminal.input')) return;
    const text = typeof data === 'string' ? data : decoder.decode(data);
    events.emit('terminal.input', { terminalId: record.id, agentId: record.agentId, data: text });
  };
}
