// Serving the JSON-RPC API on the channels given to the builder (`withChannel`), as an admin
// principal. The dispatcher is loaded on first use, so an orchestrator without channels never
// loads the RPC layer; shutdown stops serving and closes the channels.
import type { IpcChannel } from '@orchflow/protocol';
import type { Orchestrator } from './orchestrator';

/** Channels being served; `stop` ends serving and closes them. */
export interface ChannelServing {
  stop(): Promise<void>;
}

async function closeServed(served: unknown, channel: IpcChannel): Promise<void> {
  const close = (served as { close?: unknown } | undefined)?.close;
  if (typeof close === 'function') await Promise.resolve(close.call(served)).catch(() => undefined);
  if (!channel.closed) await channel.close().catch(() => undefined);
}

/** Starts serving `orch` on every channel. */
export function serveChannels(orch: Orchestrator, channels: readonly IpcChannel[]): ChannelServing {
  if (channels.length === 0) return { stop: async () => undefined };
  const started = import('./rpc/serve-channel').then(
    ({ serveChannel }) =>
      channels.map((channel) => serveChannel(orch, channel, { principal: { kind: 'admin' } })),
    async (error: unknown) => {
      // Without a dispatcher nobody would ever answer: close the channels so peers fail fast.
      const message = error instanceof Error ? error.message : String(error);
      process.emitWarning(`orchflow: cannot serve RPC channels: ${message}`, 'OrchflowServeWarning');
      await Promise.all(channels.map((c) => c.close().catch(() => undefined)));
      return [] as unknown[];
    },
  );
  return {
    stop: async () => {
      const served: unknown[] = await started;
      await Promise.all(channels.map((channel, i) => closeServed(served[i], channel)));
    },
  };
}
