// Flow control through serveChannel: a subscription's chunk is acknowledged only when the
// channel's send resolved, so a stalled transport pauses the terminal instead of buffering its
// output; once the transport drains, every byte arrives in order.
import { OrchflowClient } from '@orchflow/client';
import { DirectChannel, type IpcChannel, type JsonRpcMessage } from '@orchflow/protocol';
import { expect, it, onTestFinished } from 'vitest';
import { Orchestrator } from '../src/orchestrator';
import { type ServedChannel, serveChannel } from '../src/rpc/serve-channel';
import { SUBSCRIPTION_HIGH_WATER_MARK } from '../src/rpc/subscriptions';
import { waitFor } from './helpers';

/** A server end whose `terminal.output` sends stall until `release()`. */
class StalledChannel implements IpcChannel {
  outputSends = 0;
  private gate: Promise<void>;
  private open!: () => void;

  constructor(private readonly inner: DirectChannel) {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  get closed(): boolean {
    return this.inner.closed;
  }

  async send(message: JsonRpcMessage): Promise<void> {
    if ('method' in message && message.method === 'terminal.output') {
      this.outputSends++;
      await this.gate;
    }
    return this.inner.send(message);
  }

  release(): void {
    this.open();
  }

  receive(): Promise<JsonRpcMessage> {
    return this.inner.receive();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<JsonRpcMessage> {
    return this.inner[Symbol.asyncIterator]();
  }
}

it('pauses the terminal behind a stalled transport and delivers every byte once it drains', async () => {
  const orch = new Orchestrator();
  const [clientEnd, serverEnd] = DirectChannel.pair();
  const stalled = new StalledChannel(serverEnd);
  const served: ServedChannel = serveChannel(orch, stalled);
  const client = await OrchflowClient.fromChannel(clientEnd);
  onTestFinished(async () => {
    await client.close();
    await served.closed;
    await orch.shutdown();
  });

  const terminal = await client.spawnTerminal('flood');
  const start = (await terminal.read()).endOffset;
  const total = 8 * SUBSCRIPTION_HIGH_WATER_MARK;
  const items = (async () => {
    let bytes = 0;
    let expected = start;
    for await (const item of terminal.stream({ fromOffset: start, maxBufferedBytes: 4 * total })) {
      if (item.type !== 'data') throw new Error(`unexpected ${item.type} event`);
      expect(item.offset).toBe(expected);
      expected = item.nextOffset;
      bytes += item.nextOffset - item.offset;
      if (bytes >= total) return bytes;
    }
    return bytes;
  })();
  // Output the size of 8 high-water marks, without waiting for the command.
  await terminal.write(`head -c ${total} /dev/zero | tr '\\0' x; echo\r`);
  await waitFor(() => stalled.outputSends === 1, 'the first output notification to stall');

  // The terminal is held once the unacknowledged bytes reach the high-water mark: give it ample
  // time to run ahead, then check the scrollback stopped far short of the full output.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const held = (await orch.read(terminal.id, { maxBytes: 1 })).endOffset - start;
  expect(held).toBeLessThan(total / 2);
  expect(stalled.outputSends).toBe(1);

  stalled.release();
  expect(await items).toBeGreaterThanOrEqual(total);
}, 60_000);
