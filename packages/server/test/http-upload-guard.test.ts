// The guard of a session's message stream (upload-guard.ts) on its own, on fake timers: a line
// left unfinished with no byte for the idle time ends the stream with 408 (the stream is exempt
// from the body deadline, so nothing else would), bytes that keep coming or lines that end keep
// it going, and the unfinished line is charged to its token until it ends.
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, type OrchflowError } from '@orchflow/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { heldBodyBytes } from '../src/http/body-budget';
import { guardUpload } from '../src/http/upload-guard';

const IDLE_MS = 30_000;

/** A guarded stream of `token` fed by `send`; `stops` records how it was ended. */
function guarded(token: string) {
  const request = Object.assign(new EventEmitter(), { headers: { authorization: `Bearer ${token}` } });
  const response = new EventEmitter();
  const stops: { error: OrchflowError; status?: number }[] = [];
  guardUpload(request as unknown as IncomingMessage, response as unknown as ServerResponse, {
    maxLineBytes: 1024,
    idleMs: IDLE_MS,
    stop: (error, status) => void stops.push({ error, status }),
  });
  const send = (text: string) => request.emit('data', Buffer.from(text));
  return { request, response, stops, send };
}

describe('message stream guard', () => {
  beforeEach(() => void vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
  afterEach(() => void vi.useRealTimers());

  it('ends a stream whose unfinished line gets no byte for the idle time with 408', () => {
    const { send, stops } = guarded('idle-token');
    send('{"jsonrpc":"2.0","id":1,"method":"$/ping"}\n{"jsonrpc"');
    expect(heldBodyBytes('idle-token')).toBe('{"jsonrpc"'.length);
    vi.advanceTimersByTime(IDLE_MS - 1);
    expect(stops).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(stops).toHaveLength(1);
    expect(stops[0]?.status).toBe(408);
    expect(stops[0]?.error.code).toBe(ErrorCode.Timeout);
    expect(stops[0]?.error.message).toContain('write each message with its newline at once');
    // The stream it ended holds nothing of its token's budget, and hears no more.
    expect(heldBodyBytes('idle-token')).toBe(0);
    send('more');
    expect(heldBodyBytes('idle-token')).toBe(0);
  });

  it('keeps a stream that is quiet between lines, or whose line keeps getting bytes', () => {
    const { send, response, stops } = guarded('busy-token');
    // Quiet between whole lines for longer than the idle time: that is how a session waits.
    send('{"jsonrpc":"2.0","id":1,"method":"$/ping"}\n');
    vi.advanceTimersByTime(10 * IDLE_MS);
    // A slow line whose bytes keep coming, each within the idle time.
    for (let i = 0; i < 6; i++) {
      send('x');
      vi.advanceTimersByTime(IDLE_MS - 1);
    }
    expect(heldBodyBytes('busy-token')).toBe(6);
    send('\n');
    vi.advanceTimersByTime(10 * IDLE_MS);
    expect(stops).toEqual([]);
    expect(heldBodyBytes('busy-token')).toBe(0);
    // A line unfinished when the stream closes is given back with it, and its timer goes.
    send('{"jsonrpc"');
    response.emit('close');
    expect(heldBodyBytes('busy-token')).toBe(0);
    vi.advanceTimersByTime(10 * IDLE_MS);
    expect(stops).toEqual([]);
  });
});
