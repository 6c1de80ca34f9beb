// `OrchflowClient.stdio({ command, args })`: spawns an orchflow sidecar (`orchflow serve --stdio`)
// and talks to it over its stdin/stdout; the sidecar is restarted if it crashes and shut down by
// `client.close()`.
import { OrchflowClient, type OrchflowClientOptions } from '../client';
import { SidecarChannel, type SidecarSupervision } from './stdio-channel';
import type { SidecarCommand } from './stdio-process';

/** Options of {@link connectStdio}. */
export interface StdioClientOptions extends OrchflowClientOptions, SidecarCommand, SidecarSupervision {}

/** Spawns a sidecar and connects an {@link OrchflowClient} to it. */
export async function connectStdio(options: StdioClientOptions): Promise<OrchflowClient> {
  const {
    command,
    args,
    cwd,
    env,
    detached,
    stderr,
    maxFrameBytes,
    maxRestarts,
    restartWindowMs,
    restartDelayMs,
    stopGraceMs,
    onEvent,
    ...clientOptions
  } = options;
  const channel = await SidecarChannel.start(
    { command, args, cwd, env, detached, stderr, maxFrameBytes },
    { maxRestarts, restartWindowMs, restartDelayMs, stopGraceMs, onEvent },
  );
  // fromChannel closes the channel (stopping the sidecar) if the handshake fails.
  return OrchflowClient.fromChannel(channel, clientOptions);
}
