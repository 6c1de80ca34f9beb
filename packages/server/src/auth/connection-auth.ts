// How a server turns its authenticator into `serveChannel` options. With tokens configured every
// connection must present one; without tokens only transports that are local by construction
// (stdio, a 0600 Unix socket) may fall back to a fixed principal, admin by default. A token's own
// security policy needs nothing here: it rides on the principal the authenticator returns.
import type { ServeChannelOptions } from '@orchflow/core';
import { ErrorCode, OrchflowError, type Principal } from '@orchflow/protocol';
import type { TokenAuthenticator } from './token-authenticator';

/** The admin principal used by local transports started without tokens. */
export const LOCAL_DEFAULT_PRINCIPAL: Principal = Object.freeze({ kind: 'admin', name: 'local' });

/** The `principal`/`authenticate` options of `serveChannel` for a server. */
export function connectionAuth(
  auth: TokenAuthenticator | undefined,
  fallback: Principal | undefined,
): Pick<ServeChannelOptions, 'principal' | 'authenticate'> {
  if (auth && auth.size > 0) return { authenticate: auth.authenticate };
  if (fallback) return { principal: fallback };
  // A network transport with no tokens and no fallback would admit nobody; say so at startup.
  throw new OrchflowError(
    ErrorCode.InvalidParams,
    'This server has no tokens configured and no fallback principal; pass a TokenAuthenticator',
  );
}
