// Options of `OrchflowClient.http(url, { token })`: the client over orchflow's REST + SSE API.
// Browser-safe (uses `fetch`). Transactions need one connection across requests and are not
// available over HTTP.
import type { OrchflowClientOptions } from '../client';
import type { HttpChannelOptions } from './http-channel';

/** Options of `OrchflowClient.http`. */
export interface HttpClientOptions extends OrchflowClientOptions, Pick<HttpChannelOptions, 'fetch'> {}
