// Handlers that move output: `terminal.execute` (optionally streaming the command's output while
// it runs, and interrupted by `$/cancelRequest`), `terminal.subscribe` and `terminal.unsubscribe`.
import type { OutputChunk } from '@orchflow/protocol';
import type { HandlerContext } from './handler-context';
import { ProgressPump } from './progress-pump';

/** Registers execute, subscribe and unsubscribe. */
export function registerOutputHandlers({ orch, conn, peer, serve }: HandlerContext): void {
  serve('terminal.execute', async ({ terminalId, command, progress, ...limits }, _scope, request) => {
    conn.visibleTerminal('terminal.execute', terminalId);
    const token = request.progressToken;
    // Two ways to receive output while a command runs: `progress: true` asks for
    // `execute.progress` notifications (named by request id); a `_meta.progressToken` (RpcPeer's
    // `onProgress`) gets the same chunks as `$/progress`, which the caller's peer routes itself.
    const send = async (chunk: OutputChunk): Promise<void> => {
      const value = { terminalId, data: chunk.data, offset: chunk.offset };
      if (progress) await peer.notify('execute.progress', { ...value, requestId: request.requestId });
      if (token !== undefined) await peer.notify('$/progress', { token, value });
    };
    const pump = progress || token !== undefined ? new ProgressPump(send) : undefined;
    try {
      const result = await orch.execute(terminalId, command, {
        ...limits,
        signal: request.signal,
        onOutput: pump ? (chunk) => pump.push(chunk) : undefined,
      });
      conn.commandsExecuted++;
      await pump?.flush();
      return result;
    } finally {
      pump?.stop();
    }
  });

  serve('terminal.subscribe', ({ terminalId, fromOffset }) => {
    conn.visibleTerminal('terminal.subscribe', terminalId);
    const { subscriptionId, offset, start } = conn.subscriptions.open(terminalId, fromOffset);
    // setImmediate runs after the response has been handed to the channel.
    setImmediate(start);
    return { subscriptionId, offset };
  });

  serve('terminal.unsubscribe', ({ subscriptionId }) => ({
    unsubscribed: conn.subscriptions.close(subscriptionId),
  }));
}
