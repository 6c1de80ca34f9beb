// The `HttpExchange` of `OrchflowClient.http` from `@orchflow/client/node`: `node:http`/`https`
// with keep-alive agents, answers handed over as the `IncomingMessage` itself (no WHATWG
// Response, Headers or web stream per message). Node's global fetch (undici) costs ~1 ms of CPU
// per request, and an HTTP session POSTs every message.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { HttpAnswer, HttpExchange, HttpExchangeRequest } from './http-exchange';

// How long a connection may idle between requests, at most. Node's agent shortens this to 1 s
// before the server's announced `Keep-Alive: timeout=N` but never sets one of its own: without it
// a connection idle past the server's close was reused, and a POST sent as the server closed it
// failed with "socket hang up", whether the server took the message unknown.
const IDLE_CONNECTION_MS = 30_000;

/** An {@link HttpExchange} over `node:http`/`node:https` whose connections stay open between requests. */
export function createNodeHttpExchange(): HttpExchange {
  const options = { keepAlive: true, timeout: IDLE_CONNECTION_MS };
  const agents = { http: new HttpAgent(options), https: new HttpsAgent(options) };
  // The channel sends to one or two URLs: parse each once.
  const parsed = new Map<string, URL>();
  return {
    send(request: HttpExchangeRequest): Promise<HttpAnswer> {
      let url = parsed.get(request.url);
      if (!url) {
        url = new URL(request.url);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') {
          return Promise.reject(new TypeError(`Unsupported URL scheme ${url.protocol}`));
        }
        if (parsed.size < 8) parsed.set(request.url, url);
      }
      const secure = url.protocol === 'https:';
      return exchange(url, request, secure ? httpsRequest : httpRequest, secure ? agents.https : agents.http);
    },
  };
}

function exchange(
  url: URL,
  { method, headers, body, signal, stream }: HttpExchangeRequest,
  send: typeof httpRequest,
  agent: HttpAgent,
): Promise<HttpAnswer> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  const outgoing: Record<string, string> = { ...headers };
  if (body !== undefined) outgoing['content-length'] = `${Buffer.byteLength(body)}`;
  return new Promise<HttpAnswer>((resolve, reject) => {
    const req = send(url, { method, headers: outgoing, agent });
    const abort = (): void => void req.destroy(signal?.reason);
    signal?.addEventListener('abort', abort, { once: true });
    const release = (): void => signal?.removeEventListener('abort', abort);
    req.once('error', (error) => {
      release();
      reject(new TypeError('fetch failed', { cause: error }));
    });
    req.once('response', (message: IncomingMessage) => {
      // A stream stays abortable while it is read; other bodies are read right away.
      if (stream) message.once('close', release);
      else release();
      resolve(answer(message));
    });
    req.end(body);
  });
}

function answer(message: IncomingMessage): HttpAnswer {
  return {
    status: message.statusCode ?? 0,
    header(name) {
      const value = message.headers[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
    async text() {
      const chunks: Buffer[] = [];
      for await (const chunk of message) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    body: () => message,
    discard: () => void message.resume(),
  };
}
