// Handlers of the `terminal.*` methods that manage one terminal or list them: spawn, kill, list,
// write, resize, snapshot, activity, history and read. Each checks the principal's scope first; spawn and write pass
// the principal on, so a ConnectionPolicy it carries guards them too.
import { constants } from 'node:os';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import type { HandlerContext } from './handler-context';

/** Registers spawn, kill, list, write, resize, snapshot, activity, history and read. */
export function registerTerminalHandlers({ orch, conn, serve }: HandlerContext): void {
  serve('terminal.spawn', async ({ agentId, config }, scope) => {
    scope.assertMayActAs(agentId);
    const handle = await orch.spawnTerminal(agentId, config, { principal: scope.principal });
    if (conn.closed) {
      // The caller left while the shell started; nobody could ever kill this terminal.
      await orch.kill(handle.id).catch(() => undefined);
    } else {
      conn.spawned.add(handle.id);
    }
    return handle.info();
  });

  serve('terminal.kill', async ({ terminalId, signal }) => {
    conn.controllableTerminal('terminal.kill', terminalId);
    const exit = await orch.kill(terminalId, knownSignal(signal));
    conn.spawned.delete(terminalId);
    return exit;
  });

  serve('terminal.list', ({ agentId, state }, scope) => ({
    terminals: orch.listTerminals({ agentId, state }).filter((info) => scope.canRead(info)),
  }));

  serve('terminal.write', async ({ terminalId, data, encoding }, scope) => {
    conn.controllableTerminal('terminal.write', terminalId);
    const bytes = encoding === 'base64' ? Buffer.from(data, 'base64') : Buffer.from(data, 'utf8');
    await orch.write(terminalId, bytes, { principal: scope.principal, floorKey: conn.floorKey });
    return { bytesWritten: bytes.length };
  });

  serve('terminal.resize', ({ terminalId, cols, rows }) => {
    conn.controllableTerminal('terminal.resize', terminalId);
    return orch.resize(terminalId, cols, rows);
  });

  serve('terminal.snapshot', ({ terminalId }) => {
    conn.readableTerminal('terminal.snapshot', terminalId);
    return orch.snapshot(terminalId);
  });

  serve('terminal.activity', ({ terminalId }) => {
    conn.readableTerminal('terminal.activity', terminalId);
    return orch.activity(terminalId);
  });

  serve('terminal.history', ({ terminalId, limit }) => {
    conn.readableTerminal('terminal.history', terminalId);
    return { commands: orch.history(terminalId, limit) };
  });

  serve('terminal.read', ({ terminalId, fromOffset, maxBytes }) => {
    conn.readableTerminal('terminal.read', terminalId);
    return orch.read(terminalId, { fromOffset, maxBytes });
  });
}

/**
 * `signal` as a signal this OS knows. The protocol only checks the shape (it must stay
 * browser-safe); an unknown name would make `process.kill` throw deep inside the kill.
 */
function knownSignal(signal: string | undefined): NodeJS.Signals | undefined {
  if (signal === undefined || Object.hasOwn(constants.signals, signal))
    return signal as NodeJS.Signals | undefined;
  throw new OrchflowError(
    ErrorCode.InvalidParams,
    `Unknown signal '${signal}'; use a signal name this server's OS knows, such as SIGHUP, SIGTERM, SIGINT or SIGKILL`,
    { signal },
  );
}
