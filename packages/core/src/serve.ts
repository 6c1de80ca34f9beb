// Serving the JSON-RPC API on the channels given to the builder (`withChannel`), as an admin
// principal; shutdown stops serving and closes the channels.
import type { IpcChannel } from '@orchflow/protocol';
import type { Orchestrator } from './orchestrator';
import { type ServedChannel, serveChannel } from './rpc/serve-channel';

/** Channels being served; `stop` ends serving and closes them. */
export interface ChannelServing {
  stop(): Promise<void>;
}

async function closeServed(served: ServedChannel, channel: IpcChannel): Promise<void> {
  await served.close().catch(() => undefined);
  if (!channel.closed) await channel.close().catch(() => undefined);
}

/** Starts serving `orch` on every channel. */
export function serveChannels(orch: Orchestrator, channels: readonly IpcChannel[]): ChannelServing {
  if (channels.length === 0) return { stop: async () => undefined };
  const served = channels.map((channel) => serveChannel(orch, channel, { principal: { kind: 'admin' } }));
  return {
    stop: async () => {
      await Promise.all(channels.map((channel, i) => closeServed(served[i] as ServedChannel, channel)));
    },
  };
}
