// A `fetch` for `HttpChannel` in Node over `node:http` with a keep-alive agent. Node's global
// fetch (undici) costs ~1 ms of CPU per request on top of the socket work — more than the whole
// rest of a command's round trip — and the HTTP session POSTs every message. This covers what
// the channel uses (method, string headers, a string body, `signal`; a streamed body for the event
// stream, a buffered one otherwise) and answers with a standard `Response`.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

/** Statuses whose `Response` must have no body. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** A `fetch` over `node:http`/`node:https` whose connections stay open between requests. */
export function createNodeHttpFetch(): typeof fetch {
  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  return (async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') throw new TypeError(`Unsupported URL scheme ${url.protocol}`);
    const signal = init.signal ?? undefined;
    signal?.throwIfAborted();
    const headers = new Headers(init.headers);
    const body = init.body;
    if (body !== undefined && body !== null && typeof body !== 'string') {
      throw new TypeError('This fetch sends string bodies only');
    }
    const outgoing: Record<string, string> = Object.fromEntries(headers);
    if (body !== undefined && body !== null) outgoing['content-length'] = `${Buffer.byteLength(body)}`;
    const streamed = headers.get('accept') === 'text/event-stream';
    const message = await new Promise<IncomingMessage>((resolve, reject) => {
      const send = secure ? httpsRequest : httpRequest;
      const req = send(
        url,
        { method: init.method ?? 'GET', headers: outgoing, agent: secure ? agents.https : agents.http },
        resolve,
      );
      const abort = (): void => {
        req.destroy(signal?.reason);
      };
      signal?.addEventListener('abort', abort, { once: true });
      req.once('error', (error) => {
        signal?.removeEventListener('abort', abort);
        reject(new TypeError('fetch failed', { cause: error }));
      });
      req.once('response', (res) => {
        // A stream stays abortable while it is read; other bodies are read at once below.
        if (!streamed) signal?.removeEventListener('abort', abort);
        else res.once('close', () => signal?.removeEventListener('abort', abort));
      });
      req.end(body ?? undefined);
    });
    const status = message.statusCode ?? 0;
    const responseHeaders = new Headers();
    const raw = message.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2)
      responseHeaders.append(raw[i] as string, raw[i + 1] as string);
    if (NULL_BODY.has(status)) {
      message.resume();
      return new Response(null, { status, headers: responseHeaders });
    }
    if (streamed && status >= 200 && status < 300) {
      const stream = Readable.toWeb(message) as unknown as ReadableStream<Uint8Array>;
      return new Response(stream, { status, headers: responseHeaders });
    }
    const chunks: Buffer[] = [];
    for await (const chunk of message) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    // 202 (every POST after the first) has an empty body: skip building a body stream for it.
    return new Response(bytes.length === 0 ? null : bytes, { status, headers: responseHeaders });
  }) as typeof fetch;
}
