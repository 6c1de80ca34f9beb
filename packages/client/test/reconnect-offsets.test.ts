// ReconnectTracker's resume offsets come from the server's `nextOffset`, not from the length of
// the decoded text: they differ when output was not valid UTF-8 (each invalid byte arrives as
// U+FFFD, three bytes), and a resume point computed from the text would skip real output.
import type { JsonRpcMessage } from '@orchflow/protocol';
import { expect, it } from 'vitest';
import { ReconnectTracker } from '../src/reconnect-tracker';

function output(subscriptionId: string, data: string, offset: number, nextOffset: number): JsonRpcMessage {
  const params = { terminalId: 't1', subscriptionId, data, offset, nextOffset };
  return { jsonrpc: '2.0', method: 'terminal.output', params };
}

it('tracks and trims a stream by the server byte offsets when the text is longer than the bytes', () => {
  const tracker = new ReconnectTracker();
  tracker.outgoing(
    { jsonrpc: '2.0', id: 1, method: 'terminal.subscribe', params: { terminalId: 't1', fromOffset: 0 } },
    true,
  );
  const response = tracker.incoming({ jsonrpc: '2.0', id: 1, result: { subscriptionId: 's1', offset: 0 } });
  const clientId = (response as { result: { subscriptionId: string } }).result.subscriptionId;

  // 3 bytes on the server (`a`, 0xff, `b`); 5 once 0xff is decoded to U+FFFD.
  const first = tracker.incoming(output('s1', 'a\uFFFDb', 0, 3));
  expect(first).toMatchObject({ params: { subscriptionId: clientId, data: 'a\uFFFDb', offset: 0 } });
  expect(tracker.openSubscriptions()[0]?.next).toBe(3);

  // The connection drops; the new one's subscription replays from 0.
  tracker.disconnected();
  tracker.rebind(clientId, 's2');
  expect(tracker.incoming(output('s2', 'a\uFFFDb', 0, 3))).toBeUndefined();
  const fresh = tracker.incoming(output('s2', 'cd', 3, 5));
  expect(fresh).toMatchObject({ params: { subscriptionId: clientId, data: 'cd', offset: 3, nextOffset: 5 } });
  expect(tracker.openSubscriptions()[0]?.next).toBe(5);
});

it('cuts a chunk that straddles the resume point and resumes at its nextOffset', () => {
  const tracker = new ReconnectTracker();
  tracker.outgoing(
    { jsonrpc: '2.0', id: 1, method: 'terminal.subscribe', params: { terminalId: 't1', fromOffset: 0 } },
    true,
  );
  const response = tracker.incoming({ jsonrpc: '2.0', id: 1, result: { subscriptionId: 's1', offset: 0 } });
  const clientId = (response as { result: { subscriptionId: string } }).result.subscriptionId;
  tracker.incoming(output('s1', 'abcd', 0, 4));
  tracker.disconnected();
  tracker.rebind(clientId, 's2');
  const cut = tracker.incoming(output('s2', 'cdef', 2, 6));
  expect(cut).toMatchObject({ params: { data: 'ef', offset: 4 } });
  expect(tracker.openSubscriptions()[0]?.next).toBe(6);
});
