// Raw HTTP sessions and their event streams (frames, `POST /v1/rpc?events=frames`, or SSE), read
// with the client's reader: shared by the tests of the frames format and of event memory reuse.
import { PROTOCOL_VERSION } from '@orchflow/protocol';
import { expect, onTestFinished } from 'vitest';
import { readSessionEvents } from '../../client/src/transports/http-events';
import { TOKENS } from './transport-harness';

export const auth = { Authorization: `Bearer ${TOKENS.admin}` };

/** Creates a session asking for `format` (`?events=`); resolves with its headers and the answer's format header. */
export async function createSession(url: string, format?: string) {
  const response = await fetch(`${url}/v1/rpc${format ? `?events=${format}` : ''}`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 'init',
      method: 'initialize',
      params: { protocolVersion: PROTOCOL_VERSION, clientInfo: { name: 'raw-frames' } },
    }),
  });
  await response.json();
  const session = response.headers.get('orchflow-session');
  if (!session) throw new Error('no session');
  const headers = { ...auth, 'Orchflow-Session': session };
  onTestFinished(async () => {
    await fetch(`${url}/v1/rpc`, { method: 'DELETE', headers }).catch(() => undefined);
  });
  const post = async (message: unknown) => {
    const answer = await fetch(`${url}/v1/rpc`, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify(message),
    });
    await answer.arrayBuffer();
    expect(answer.status).toBe(202);
  };
  return { headers, granted: response.headers.get('orchflow-events'), post };
}

/** Opens the event stream; resolves with its content type and its events, parsed as the content type says. */
export async function openEvents(url: string, headers: Record<string, string>) {
  const controller = new AbortController();
  onTestFinished(() => controller.abort());
  const response = await fetch(`${url}/v1/rpc`, { headers, signal: controller.signal });
  async function* chunks(): AsyncGenerator<Uint8Array> {
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  }
  const events = readSessionEvents(chunks(), response.headers.get('content-type'));
  return {
    contentType: response.headers.get('content-type'),
    next: async () => {
      const { value, done } = await events.next();
      if (done) throw new Error('the stream ended');
      return value;
    },
    cut: () => controller.abort(),
  };
}
