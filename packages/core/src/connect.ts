// `connect()`: an in-process connection to an orchestrator. It serves one end of a
// `DirectChannel` pair and hands back the other, so in-process callers and remote clients go
// through the same dispatcher, principal checks and cleanup. `orch.connect()` delegates here.
import { DirectChannel, type IpcChannel, type Principal } from '@orchflow/protocol';
import type { Orchestrator } from './orchestrator';
import { ADMIN_PRINCIPAL } from './rpc/principal-scope';
import { serveChannel } from './rpc/serve-channel';

/** Serves `orch` for `principal` (default admin) on a fresh in-process channel; returns the client's end. */
export function connect(orch: Orchestrator, principal: Principal = ADMIN_PRINCIPAL): IpcChannel {
  const [client, server] = DirectChannel.pair();
  serveChannel(orch, server, { principal });
  return client;
}
