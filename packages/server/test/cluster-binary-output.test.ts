// Node sessions carry `terminal.output` as binary frames (raw UTF-8 after a JSON header; the first
// byte, the header length's high byte, is 0) when the client asks, and as JSON otherwise; either way the client reads
// exactly the bytes the terminal printed, multi-byte characters included. A third connection
// watches the client inboxes to see which form actually crossed NATS.
import { describe, expect, it } from 'vitest';
import { natsForTest, ncForTest, nodeClientForTest, nodeForTest, until } from './cluster-harness';
import { TOKENS } from './transport-harness';

const LINE = 'héllo ✓ 𝄞 — wörld';

async function streamOver(binaryOutput: boolean) {
  const nats = await natsForTest();
  await nodeForTest(nats.url, { nodeId: 'n1' });
  const watcher = await ncForTest(nats.url);
  const seen = { binary: 0, json: 0 };
  watcher.subscribe('_INBOX.>', {
    callback: (_error, msg) => {
      if (msg.data.byteLength === 0) return; // keepalives and closes
      if (msg.data[0] === 0) seen.binary++;
      else seen.json++;
    },
  });
  await watcher.flush();
  const client = await nodeClientForTest(nats.url, 'n1', TOKENS.admin, { binaryOutput });
  const terminal = await client.spawnTerminal('agent');
  let streamed = '';
  const stop = await terminal.onOutput((chunk) => {
    streamed += chunk.data;
  });
  const result = await terminal.execute(`for i in 1 2 3; do echo "${LINE} $i"; done`);
  expect(result.stdout).toBe(`${LINE} 1\n${LINE} 2\n${LINE} 3\n`);
  await until(() => streamed.includes(`${LINE} 3`), 'the streamed lines');
  stop.dispose();
  for (const i of [1, 2, 3]) expect(streamed).toContain(`${LINE} ${i}\r\n`);
  // Replayed from offset 0 (scrollback, not live): the same bytes.
  let replayed = '';
  for await (const event of terminal.stream({ fromOffset: 0 })) {
    if (event.type === 'data') replayed += event.data;
    if (replayed.includes(`${LINE} 3\r\n`)) break;
  }
  expect(replayed).toContain(`${LINE} 1\r\n${LINE} 2\r\n${LINE} 3\r\n`);
  return seen;
}

describe('NATS node sessions: terminal.output framing', () => {
  it('binary output frames by default, with the same text', async () => {
    const seen = await streamOver(true);
    expect(seen.binary).toBeGreaterThan(0);
  }, 60_000);

  it('JSON when the client opts out, with the same text', async () => {
    const seen = await streamOver(false);
    expect(seen.binary).toBe(0);
    expect(seen.json).toBeGreaterThan(0);
  }, 60_000);
});
