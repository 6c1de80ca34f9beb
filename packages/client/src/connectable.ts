// The structural contract `OrchflowClient.direct` needs from an in-process orchestrator. The
// client must not import @orchflow/core (that would pull PTYs into browser bundles), so any
// object with a matching `connect` works: core's `Orchestrator`, or a test double.
import type { IpcChannel, Principal } from '@orchflow/protocol/runtime';

/** Anything that can open an in-process connection, such as `@orchflow/core`'s `Orchestrator`. */
export interface DirectConnectable {
  /** Serves a fresh channel for `principal` (default: admin) and returns the client's end. */
  connect(principal?: Principal): IpcChannel | Promise<IpcChannel>;
}
