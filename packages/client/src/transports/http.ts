// Options of `OrchflowClient.http(url, { token })`: the client over an orchflow HTTP session
// (JSON-RPC POSTed to `/v1/rpc`, everything the server sends on one event stream). Browser-safe
// (uses `fetch`); the same API as every other transport.
import type { OrchflowClientOptions } from '../client';
import type { HttpChannelOptions } from './http-channel';

/** Options of `OrchflowClient.http`. */
export interface HttpClientOptions
  extends OrchflowClientOptions,
    Pick<
      HttpChannelOptions,
      'fetch' | 'exchange' | 'reconnect' | 'livenessMs' | 'messageStream' | 'eventFormat'
    > {}
