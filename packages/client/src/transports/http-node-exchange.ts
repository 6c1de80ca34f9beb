// The `HttpExchange` of `OrchflowClient.http` from `@orchflow/client/node`: `node:http`/`https`
// with keep-alive agents, answers handed over as the `IncomingMessage` itself (no WHATWG
// Response, Headers or web stream per message). Node's global fetch (undici) costs ~1 ms of CPU
// per request, and an HTTP session POSTs every message.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { HttpAnswer, HttpExchange, HttpExchangeRequest, HttpUpload } from './http-exchange';

// How long a connection may idle between requests, at most. Node's agent shortens this to 1 s
// before the server's announced `Keep-Alive: timeout=N` but never sets one of its own: without it
// a connection idle past the server's close was reused, and a POST sent as the server closed it
// failed with "socket hang up", whether the server took the message unknown.
const IDLE_CONNECTION_MS = 30_000;

/** An {@link HttpExchange} over `node:http`/`node:https` whose connections stay open between requests. */
export function createNodeHttpExchange(): HttpExchange & Required<Pick<HttpExchange, 'upload'>> {
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
    upload({ url, headers }) {
      return openUpload(new URL(url), headers);
    },
  };
}

/**
 * A chunked POST written as the channel goes. It gets a connection of its own (no agent): a pooled
 * one would carry the agent's idle timeout into a request that may rightly stay quiet for minutes.
 */
function openUpload(url: URL, headers: Record<string, string>): HttpUpload {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const req = send(url, {
    method: 'POST',
    agent: false,
    headers: { ...headers, 'content-type': 'application/x-ndjson', 'transfer-encoding': 'chunked' },
  });
  req.flushHeaders();
  // Over once it failed or was answered: nothing more is written. Writes handed over and not yet
  // called back then settle too (a request that failed does not always call them back).
  let over = false;
  const handedOver = new Set<() => void>();
  const finish = (): void => {
    over = true;
    for (const settle of handedOver) settle();
    handedOver.clear();
  };
  const finished = new Promise<number>((resolve, reject) => {
    req.once('error', (error) => {
      finish();
      reject(new TypeError('fetch failed', { cause: error }));
    });
    req.once('response', (message: IncomingMessage) => {
      finish();
      message.resume();
      resolve(message.statusCode ?? 0);
      // The server answers when it is done with the body: the rest of it would go nowhere.
      message.once('end', () => req.destroy());
    });
  });
  req.once('close', finish);
  finished.catch(() => undefined);
  return {
    write: (text) =>
      new Promise<void>((resolve, reject) => {
        if (over || req.destroyed || req.writableEnded || req.socket?.destroyed) {
          reject(new TypeError('The message stream is closed'));
          return;
        }
        // Whether bytes handed over reached the server is unknown when the write then fails:
        // that failure ends `finished`, and the lane treats the line as sent, outcome unknown.
        const settle = (): void => {
          handedOver.delete(settle);
          resolve();
        };
        handedOver.add(settle);
        req.write(text, settle);
      }),
    finished,
    end: () => void req.end(),
    destroy: () => void req.destroy(),
  };
}

// Errors of a kept-alive connection the server had already closed when the request went out.
const STALE_CONNECTION = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
/** Most tries of one request over stale kept-alive connections before a fresh one. */
const MAX_STALE_TRIES = 4;

async function exchange(
  url: URL,
  request: HttpExchangeRequest,
  send: typeof httpRequest,
  agent: HttpAgent,
): Promise<HttpAnswer> {
  for (let tries = 1; ; tries++) {
    try {
      return await exchangeOnce(url, request, send, agent);
    } catch (error) {
      // A kept-alive connection the server closed while this process could not notice (its event
      // loop busy past the server's keep-alive timeout, so the agent's idle timer never ran) fails
      // the request before a byte of answer. The server closes only connections it is not reading
      // a request from, so it never saw this one: sending it again on a new connection is safe.
      if (!(error instanceof StaleConnectionError) || tries >= MAX_STALE_TRIES) {
        throw error instanceof StaleConnectionError ? error.failure : error;
      }
    }
  }
}

/** A request that failed on a reused connection before any answer (see {@link exchange}). */
class StaleConnectionError extends Error {
  constructor(readonly failure: TypeError) {
    super(failure.message);
  }
}

function exchangeOnce(
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
    // Not once the answer was read to its end: its kept-alive socket is back in the agent's pool
    // then, without the request's error listener, and destroying it with a reason threw that
    // reason as an uncaught 'error' (a stream the server ended, then aborted by the channel).
    let response: IncomingMessage | undefined;
    const abort = (): void => {
      if (!response?.complete) req.destroy(signal?.reason);
    };
    signal?.addEventListener('abort', abort, { once: true });
    const release = (): void => signal?.removeEventListener('abort', abort);
    let answered = false;
    req.once('error', (error: NodeJS.ErrnoException) => {
      release();
      const failure = new TypeError('fetch failed', { cause: error });
      const stale =
        req.reusedSocket && !answered && !signal?.aborted && STALE_CONNECTION.has(error.code ?? '');
      reject(stale ? new StaleConnectionError(failure) : failure);
    });
    req.once('response', (message: IncomingMessage) => {
      answered = true;
      response = message;
      // A stream stays abortable while it is read; other bodies are read right away.
      if (stream) {
        message.once('end', release);
        message.once('close', release);
      } else release();
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
