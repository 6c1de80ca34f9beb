// Connecting the CLI's client commands to a server named by `--server URL` (or $ORCHFLOW_SERVER):
// `unix:/path` or a bare path to a socket, `ws://…`/`wss://…`, `http://…`/`https://…`.
import { connectUnixSocket, connectWebSocket, OrchflowClient } from '@orchflow/client/node';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { CLIENT_INFO } from './version';

/** Options every client command accepts. */
export interface ServerOptions {
  server?: string;
  token?: string;
}

/** The server URL from the flag or the environment; throws with instructions when neither is set. */
export function serverUrl(options: ServerOptions): string {
  const url = options.server ?? process.env.ORCHFLOW_SERVER;
  if (url) return url;
  throw new OrchflowError(
    ErrorCode.InvalidParams,
    'No server given: pass --server unix:/path/to.sock (or ws://127.0.0.1:7777) or set ORCHFLOW_SERVER',
  );
}

/** Connects to the server at `url`; a failure that suggests the wrong kind of URL says which to use. */
export async function connectTo(url: string, token: string | undefined): Promise<OrchflowClient> {
  const options = { token: token ?? process.env.ORCHFLOW_TOKEN, clientInfo: CLIENT_INFO };
  if (url.startsWith('unix:')) return connectUnixSocket(url.slice('unix:'.length), options);
  if (url.startsWith('/') || url.startsWith('./')) return connectUnixSocket(url, options);
  // One-shot commands: a dropped connection should fail the command, not reconnect.
  if (/^wss?:\/\//.test(url))
    return connectWebSocket(url, { ...options, reconnect: false }).catch((error: unknown) => {
      throw withUrlHint(
        error,
        url,
        /Unexpected server response: 404/,
        'an HTTP listener? use http://host:port',
      );
    });
  if (/^https?:\/\//.test(url)) {
    // The routes are the client's to add (a proxy's own prefix is fine): `…/v1` would double them.
    if (/\/v1(\/|$)/.test(new URL(url).pathname)) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `--server '${url}' names a route; give the server's address without /v1…, such as http://127.0.0.1:7778`,
      );
    }
    return OrchflowClient.http(url, options).catch((error: unknown) => {
      throw withUrlHint(error, url, /HTTP 426/, 'a WebSocket listener? use ws://host:port');
    });
  }
  throw new OrchflowError(
    ErrorCode.InvalidParams,
    `Unsupported --server '${url}': use unix:/path/to.sock, ws://host:port or http://host:port`,
  );
}

// `error` with "is <url> <guess>" added when its message matches `sign`: the listener at the URL
// speaks the other protocol.
function withUrlHint(error: unknown, url: string, sign: RegExp, guess: string): unknown {
  if (!(error instanceof Error) || !sign.test(error.message)) return error;
  error.message = `${error.message.trimEnd()} (is ${url} ${guess})`;
  return error;
}
