// The `terminal.output` event of one output chunk. Its `data` is decoded from the chunk's bytes on
// first read (once, shared with every other reader of the chunk), and the bytes ride along
// (`rawOutputOf`): a recording writes them as they are, so a terminal whose output only a
// recorder hears never has it decoded to text. The bytes are shared with every other reader of
// the chunk (subscribers, transports): read-only, and not to be kept past the listener call.
import type { OutputChunk } from '@orchflow/protocol';
import { attachRawOutput, defineLazyData, rawOutputOf } from '@orchflow/terminal/internal';
import type { TerminalOutputEvent } from './events';

/** The event for `chunk` of terminal `terminalId`. */
export function outputEvent(terminalId: string, agentId: string, chunk: OutputChunk): TerminalOutputEvent {
  // Not a getter in an object literal: see defineLazyData.
  const event = defineLazyData({ terminalId, agentId }, () => chunk.data) as TerminalOutputEvent;
  event.offset = chunk.offset;
  const bytes = rawOutputOf(chunk);
  return bytes ? attachRawOutput(event, bytes) : event;
}
