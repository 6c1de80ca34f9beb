// How `HttpChannel` makes HTTP requests: one small interface with two implementations — over
// `fetch` (browsers, and any fetch a caller passes) and over `node:http` (the Node entry's
// default, see http-node-exchange.ts). The channel needs only a status, a few headers, a text
// body or a byte stream, so the Node side can skip building WHATWG `Response`/`Headers` objects
// and web streams, which cost more CPU per message than the rest of a command's round trip.
import { ErrorCode, OrchflowError } from '@orchflow/protocol/runtime';

/** One HTTP request as the channel makes it. */
export interface HttpExchangeRequest {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  /** A JSON body (POST). */
  body?: string;
  /** Aborts the request, or a streamed body while it is read. */
  signal?: AbortSignal;
  /** True for the event stream: its body is read as it arrives through {@link HttpAnswer.body}. */
  stream?: boolean;
}

/** A response: status and headers at once, the body read once by one of the methods. */
export interface HttpAnswer {
  status: number;
  /** A response header by (case-insensitive) name, or null. */
  header(name: string): string | null;
  /** The whole body as text. */
  text(): Promise<string>;
  /**
   * The body's bytes as they arrive (ends when the server ends it; throws when it drops). Each
   * chunk must stay as it is once yielded: events read from it keep views of it.
   */
  body(): AsyncIterable<Uint8Array>;
  /** Drops the body unread. */
  discard(): void;
}

/**
 * A POST whose body is written as the channel goes (a session's message stream): Node can stream
 * a request body over HTTP/1.1, `fetch` cannot (browsers need HTTP/2 for it).
 */
export interface HttpUpload {
  /**
   * Writes `text`. Rejects only when nothing of it was written (the request was over already);
   * once handed to the connection it resolves, and a connection that then fails ends `finished`.
   */
  write(text: string): Promise<void>;
  /** Settles when the request is over: the server's status, or a rejection when it dropped. */
  readonly finished: Promise<number>;
  /** Ends the body (the server then answers `204`). */
  end(): void;
  /** Cuts the request. */
  destroy(): void;
}

/** True for a 2xx answer. */
export function isSuccess(response: HttpAnswer): boolean {
  return response.status >= 200 && response.status < 300;
}

/**
 * The OrchflowError of a failed answer, from its JSON error body when it has one. Without one the
 * answer did not come from an orchflow HTTP server (a proxy's 502, another service at that URL, a
 * WebSocket endpoint's 426): `Unavailable`, naming the status, never a server's InternalError.
 */
export function answerError(response: HttpAnswer, body: string): OrchflowError {
  const error = (parseJson(body) as { error?: unknown } | undefined)?.error;
  if (error) return OrchflowError.fromJson(error);
  return new OrchflowError(
    ErrorCode.Unavailable,
    `HTTP ${response.status} from the server, not an orchflow answer (is the URL an orchflow HTTP server's, and is it up?): ${body.slice(0, 200)}`,
    { reason: 'not-orchflow', status: response.status },
  );
}

/** `text` parsed as JSON, or undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Makes the channel's HTTP requests. Rejects (like fetch) when the server cannot be reached. */
export interface HttpExchange {
  send(request: HttpExchangeRequest): Promise<HttpAnswer>;
  /** Starts a POST with a streamed body (absent where requests cannot stream, e.g. over fetch). */
  upload?(request: { url: string; headers: Record<string, string> }): HttpUpload;
}

/** An {@link HttpExchange} over a WHATWG `fetch`. */
export function fetchExchange(fetchImpl: typeof fetch): HttpExchange {
  return {
    async send({ method, url, headers, body, signal }) {
      const response = await fetchImpl(url, { method, headers, body, signal });
      return {
        status: response.status,
        header: (name) => response.headers.get(name),
        text: () => response.text(),
        body: () => streamChunks(response.body),
        discard: () => void response.body?.cancel().catch(() => undefined),
      };
    },
  };
}

/** A fetch body as an async iterable (not every browser's ReadableStream is one). */
async function* streamChunks(body: ReadableStream<Uint8Array> | null): AsyncGenerator<Uint8Array> {
  if (!body) return;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
    await body.cancel().catch(() => undefined);
  }
}
