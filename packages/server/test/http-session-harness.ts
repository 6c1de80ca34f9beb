// Speaking the HTTP session protocol by hand (for the tests of what a raw client meets): create a
// session with an `initialize` POST, POST messages with its header, read its SSE stream event by
// event, and end it with DELETE.
import { PROTOCOL_VERSION } from '@orchflow/protocol';
import { onTestFinished } from 'vitest';

/** One parsed SSE event of a session stream. */
export interface StreamEvent {
  event: string;
  id?: string;
  data: Record<string, unknown> | Record<string, unknown>[];
}

/** An open session stream read event by event. */
export interface EventReader {
  status: number;
  /** The next event; rejects if the stream ends first. */
  next(): Promise<StreamEvent>;
  /** Cuts the stream. */
  cut(): void;
}

/** A raw session. */
export interface RawSession {
  id: string;
  headers: Record<string, string>;
  /** POSTs a message; resolves with the HTTP status. */
  post(message: unknown): Promise<number>;
  /** Opens the event stream (after `lastEventId` when given). */
  stream(lastEventId?: string): Promise<EventReader>;
}

/** POSTs `initialize`; resolves with the status, the session header and the JSON body. */
export async function initialize(
  url: string,
  token: string | undefined,
  protocolVersion: string = PROTOCOL_VERSION,
): Promise<{ status: number; session: string | null; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/v1/rpc`, {
    method: 'POST',
    headers: { ...auth(token), 'Content-Type': 'application/json' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 'init',
      method: 'initialize',
      params: { protocolVersion, clientInfo: { name: 'raw-http' } },
    }),
  });
  const body = (await response.json()) as Record<string, unknown>;
  return { status: response.status, session: response.headers.get('orchflow-session'), body };
}

/** Creates a session for `token`; it is DELETEd when the test ends. */
export async function rawSession(url: string, token: string): Promise<RawSession> {
  const { session } = await initialize(url, token);
  if (!session) throw new Error('initialize created no session');
  const headers = { ...auth(token), 'Orchflow-Session': session };
  onTestFinished(async () => {
    await fetch(`${url}/v1/rpc`, { method: 'DELETE', headers }).catch(() => undefined);
  });
  return {
    id: session,
    headers,
    post: async (message) => {
      const response = await fetch(`${url}/v1/rpc`, {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: JSON.stringify(message),
      });
      await response.arrayBuffer();
      return response.status;
    },
    stream: (lastEventId) =>
      openStream(url, lastEventId === undefined ? headers : { ...headers, 'Last-Event-ID': lastEventId }),
  };
}

/** Opens `GET /v1/rpc` with `headers`. */
export async function openStream(url: string, headers: Record<string, string>): Promise<EventReader> {
  const controller = new AbortController();
  onTestFinished(() => controller.abort());
  const response = await fetch(`${url}/v1/rpc`, { headers, signal: controller.signal });
  if (!response.body) throw new Error('no body');
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const next = async (): Promise<StreamEvent> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = parseBlock(block);
        if (event) return event;
        continue;
      }
      const { done, value } = await reader.read();
      if (done) throw new Error('the stream ended');
      buffer += decoder.decode(value, { stream: true });
    }
  };
  return { status: response.status, next, cut: () => controller.abort() };
}

function parseBlock(block: string): StreamEvent | undefined {
  const fields = new Map<string, string>();
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
  }
  const data = fields.get('data');
  if (data === undefined) return undefined;
  return { event: fields.get('event') ?? 'message', id: fields.get('id'), data: JSON.parse(data) };
}

function auth(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : { Authorization: `Bearer ${token}` };
}
