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

/** Connects to the server at `url`. */
export async function connectTo(url: string, token: string | undefined): Promise<OrchflowClient> {
  const options = { token: token ?? process.env.ORCHFLOW_TOKEN, clientInfo: CLIENT_INFO };
  if (url.startsWith('unix:')) return connectUnixSocket(url.slice('unix:'.length), options);
  if (url.startsWith('/') || url.startsWith('./')) return connectUnixSocket(url, options);
  // One-shot commands: a dropped connection should fail the command, not reconnect.
  if (/^wss?:\/\//.test(url)) return connectWebSocket(url, { ...options, reconnect: false });
  if (/^https?:\/\//.test(url)) return OrchflowClient.http(url, options);
  throw new OrchflowError(
    ErrorCode.InvalidParams,
    `Unsupported --server '${url}': use unix:/path/to.sock, ws://host:port or http://host:port`,
  );
}
