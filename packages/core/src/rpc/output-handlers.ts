// Handlers that move output: `terminal.execute` (optionally streaming the command's output while
// it runs, and interrupted by `$/cancelRequest`), `terminal.subscribe` and `terminal.unsubscribe`.
// Live output of an execute has one mechanism: JSON-RPC progress. A request carrying
// `_meta.progressToken` (RpcPeer's `onProgress`) receives `$/progress` `{ token, value }` whose
// value is an `ExecuteProgressParams`; the caller's peer routes it by token.
import type { Orchestrator } from '../orchestrator';
import type { HandlerContext } from './handler-context';
import { type ProgressChunk, ProgressPump } from './progress-pump';

/** Registers execute, subscribe and unsubscribe. */
export function registerOutputHandlers({ orch, conn, peer, serve }: HandlerContext): void {
  serve('terminal.execute', async ({ terminalId, command, ...limits }, scope, request) => {
    conn.controllableTerminal('terminal.execute', terminalId);
    const token = request.progressToken;
    const pump =
      token === undefined
        ? undefined
        : new ProgressPump((chunk: ProgressChunk) =>
            peer.notify('$/progress', {
              token,
              value: { terminalId, requestId: request.requestId, ...chunk },
            }),
          );
    try {
      const result = await orch.execute(
        terminalId,
        command,
        {
          ...limits,
          signal: request.signal,
          // This command's own start (queued commands with the same text each get theirs).
          onStart: pump
            ? () => {
                const offset = scrollbackEnd(orch, terminalId, 0, '');
                pump.push({ data: '', offset, nextOffset: offset, started: true });
              }
            : undefined,
          onOutput: pump
            ? ({ data, offset }) =>
                pump.push({ data, offset, nextOffset: scrollbackEnd(orch, terminalId, offset, data) })
            : undefined,
        },
        { principal: scope.principal, floorKey: conn.floorKey },
      );
      conn.commandsExecuted++;
      await pump?.flush();
      return result;
    } finally {
      pump?.stop();
      // This connection's listeners on the terminal hear the command's output before its result,
      // or its error (a cancelled command's carries its partial result).
      await conn.subscriptions.handedOut(terminalId);
    }
  });

  serve('terminal.subscribe', ({ terminalId, fromOffset }) => {
    conn.readableTerminal('terminal.subscribe', terminalId);
    const { subscriptionId, offset, start } = conn.subscriptions.open(terminalId, fromOffset);
    // setImmediate runs after the response has been handed to the channel.
    setImmediate(start);
    return { subscriptionId, offset };
  });

  serve('terminal.unsubscribe', ({ subscriptionId }) => ({
    unsubscribed: conn.subscriptions.close(subscriptionId),
  }));
}

/**
 * Where a chunk the command's `onOutput` just received ends. The terminal calls `onOutput`
 * synchronously right after the chunk's bytes entered the scrollback, so that is the
 * scrollback's end; the decoded text's UTF-8 length is not (each invalid byte became a 3-byte
 * U+FFFD). Falls back to it only if the terminal can no longer be read.
 */
function scrollbackEnd(orch: Orchestrator, terminalId: string, offset: number, data: string): number {
  try {
    return orch.read(terminalId, { maxBytes: 1 }).endOffset;
  } catch {
    return offset + Buffer.byteLength(data);
  }
}
