// Failures say what happened: when the server goes away under a client, a request in flight fails
// with the local `ChannelClosedError` (code ErrorCode.ChannelClosed: connection lost, outcome unknown), never
// a server-style InternalError, and an output stream is cut with that error, never ended with a
// made-up exit. Over WebSocket with reconnect (once reconnecting gives up) and HTTP sessions; the
// dying stdio sidecar is covered in @orchflow/client's stdio.test.ts.
import type { OrchflowClient, OutputEvent, RemoteTerminal } from '@orchflow/client';
import { OrchflowClient as Client } from '@orchflow/client';
import { connectWebSocket } from '@orchflow/client/node';
import { ErrorCode, isOrchflowLocalError } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startHttp, startWs, TOKENS } from './transport-harness';

const GIVE_UP_FAST = { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 20 };

/** Follows a terminal's output, and runs a command that is still running when the server goes. */
async function busy(client: OrchflowClient): Promise<{
  events: OutputEvent[];
  stream: Promise<unknown>;
  execute: Promise<unknown>;
}> {
  const terminal: RemoteTerminal = await client.spawnTerminal('loss');
  const events: OutputEvent[] = [];
  let seen = '';
  let started!: () => void;
  const running = new Promise<void>((resolve) => {
    started = resolve;
  });
  const stream = (async () => {
    for await (const event of terminal.stream()) {
      events.push(event);
      if (event.type === 'data') seen += event.data;
      if (seen.includes('STARTED')) started();
    }
  })().then(
    () => 'ended normally',
    (error: unknown) => error,
  );
  const execute = terminal.execute('echo STARTED; sleep 600', { timeoutMs: 600_000 }).then(
    () => 'answered',
    (error: unknown) => error,
  );
  // If the command fails instead of starting, the test fails on its outcome rather than hanging.
  await Promise.race([running, execute]);
  return { events, stream, execute };
}

function expectChannelClosed(outcome: unknown): void {
  expect(isOrchflowLocalError(outcome) && outcome.code).toBe(ErrorCode.ChannelClosed);
}

describe('connection loss', () => {
  it('over WebSocket with reconnect: CHANNEL_CLOSED once reconnecting gives up, no made-up end', async () => {
    const { url, server } = await startWs();
    const client = await connectWebSocket(url, { token: TOKENS.admin, reconnect: GIVE_UP_FAST });
    onTestFinished(() => client.close());
    const { events, stream, execute } = await busy(client);
    await server.stop();
    expectChannelClosed(await execute);
    expectChannelClosed(await stream);
    expect(events.some((event) => event.type === 'end')).toBe(false);
    await client.closed;
    expect(client.isClosed).toBe(true);
  }, 60_000);

  it('over HTTP: CHANNEL_CLOSED when the server is gone, no made-up end', async () => {
    const { url, server } = await startHttp();
    const client = await Client.http(url, { token: TOKENS.admin, reconnect: GIVE_UP_FAST });
    onTestFinished(() => client.close());
    const { events, stream, execute } = await busy(client);
    await server.stop();
    expectChannelClosed(await execute);
    expectChannelClosed(await stream);
    expect(events.some((event) => event.type === 'end')).toBe(false);
    // A request after the loss fails the same way, not with "fetch failed" as an InternalError.
    expectChannelClosed(await client.listTerminals().catch((error: unknown) => error));
  }, 60_000);
});
