// The slow-consumer rule over real sockets: a reader that stops reading (an SSE client, a
// WebSocket subscriber) holds its terminal back for at most `maxStallMs`; after that the terminal
// runs at full speed, the reader is demoted to lossy delivery, and when it reads again it gets a
// gap notice and continues from the ring. No MaxListenersExceededWarning along the way.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connectWebSocket } from '@orchflow/client/node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rawSocket, startHttp, startWs, TOKENS } from './transport-harness';

// 30 MB through the PTY: far beyond the ring (1 MiB), the credit (1 MiB) and loopback buffers.
const FLOOD = "head -c 30000000 /dev/zero | tr '\\0' x; echo";
const auth = { Authorization: `Bearer ${TOKENS.admin}` };

let warnings: Error[] = [];
const onWarning = (warning: Error): void => {
  warnings.push(warning);
};
beforeEach(() => {
  warnings = [];
  process.on('warning', onWarning);
});
afterEach(() => {
  process.off('warning', onWarning);
});

/** Opens an SSE stream whose reader stops reading at once; `resume()` starts collecting events. */
function pausedSse(url: string): Promise<{ response: IncomingMessage; resume(): SseEvents }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: auth, agent: false }, (response) => {
      response.pause();
      resolve({ response, resume: () => collect(response) });
    });
    req.on('error', reject);
    req.end();
  });
}

interface SseEvents {
  events: { event: string; id?: string; data: Record<string, unknown> }[];
  /** Resolves once an event satisfies `match`. */
  until(match: (event: SseEvents['events'][number]) => boolean): Promise<void>;
}

function collect(response: IncomingMessage): SseEvents {
  const events: SseEvents['events'] = [];
  const waiters: (() => void)[] = [];
  let buffer = '';
  response.setEncoding('utf8');
  response.on('data', (text: string) => {
    buffer += text;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const fields = new Map<string, string>();
      for (const line of buffer.slice(0, end).split('\n')) {
        const at = line.indexOf(': ');
        if (at > 0) fields.set(line.slice(0, at), line.slice(at + 2));
      }
      buffer = buffer.slice(end + 2);
      const event = fields.get('event');
      if (event) events.push({ event, id: fields.get('id'), data: JSON.parse(fields.get('data') ?? '{}') });
    }
    for (const waiter of waiters.splice(0)) waiter();
  });
  response.resume();
  return {
    events,
    until: async (match) => {
      while (!events.some(match)) await new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}

describe('slow-consumer rule', () => {
  it('does not let a paused SSE reader stall the terminal; it resumes after a gap', async () => {
    const { url } = await startHttp();
    const spawn = await fetch(`${url}/v1/terminals`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ agentId: 'sse' }),
    });
    const { id } = (await spawn.json()) as { id: string };
    const stream = await pausedSse(`${url}/v1/terminals/${id}/stream?fromOffset=0`);
    const run = await fetch(`${url}/v1/terminals/${id}/execute`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ command: FLOOD, timeoutMs: 30_000 }),
    });
    const result = (await run.json()) as { exitCode: number | null; timedOut: boolean };
    expect(result).toMatchObject({ exitCode: 0, timedOut: false });
    await fetch(`${url}/v1/terminals/${id}/execute`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ command: 'echo after-the-flood' }),
    });
    const sse = stream.resume();
    await sse.until((e) => e.event === 'output' && String(e.data.data).includes('after-the-flood'));
    const gap = sse.events.find((e) => e.event === 'gap');
    expect(gap?.data).toMatchObject({ from: expect.any(Number), to: expect.any(Number) });
    // After the gap the stream continues exactly at its end: no overlap, no hole.
    const after = sse.events[sse.events.indexOf(gap as never) + 1];
    expect(after?.data.offset).toBe(gap?.data.to);
    stream.response.destroy();
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  }, 120_000);

  it('does not let a paused WebSocket subscriber stall the terminal; it resumes after a gap', async () => {
    const { url } = await startWs();
    const worker = await connectWebSocket(url, { token: TOKENS.admin, reconnect: false });
    try {
      const terminal = await worker.spawnTerminal('ws-slow');
      const raw = await rawSocket(url);
      await raw.initialize(TOKENS.admin);
      raw.send(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'terminal.subscribe',
          params: { terminalId: terminal.id, fromOffset: 0 },
        }),
      );
      expect(await raw.next()).toMatchObject({ id: 1, result: { subscriptionId: expect.any(String) } });
      // Stop reading the TCP socket: the server's sends stop completing, as with a hung client.
      const tcp = (raw.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      tcp.pause();
      const result = await terminal.execute(FLOOD, { timeoutMs: 30_000 });
      expect(result).toMatchObject({ exitCode: 0, timedOut: false });
      await terminal.execute('echo after-the-flood');
      tcp.resume();
      let sawGap = false;
      let expected: number | undefined;
      for (;;) {
        const message = (await raw.next()) as { method?: string; params?: Record<string, unknown> };
        if (message.method === 'terminal.gap') {
          sawGap = true;
          expected = Number(message.params?.to);
        } else if (message.method === 'terminal.output') {
          const { offset, nextOffset, data } = message.params as {
            offset: number;
            nextOffset: number;
            data: string;
          };
          if (expected !== undefined) expect(offset).toBe(expected);
          expected = nextOffset;
          if (data.includes('after-the-flood')) break;
        }
      }
      expect(sawGap).toBe(true);
    } finally {
      await worker.close();
    }
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  }, 120_000);
});
