// The bind rule shared by every network server: listen on loopback by default, and refuse to
// listen anywhere else unless tokens are configured, so a server is never reachable from the
// network without authentication.
import { isIP } from 'node:net';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';

/** The default host of network servers. */
export const DEFAULT_HOST = '127.0.0.1';

/** True for `localhost`, 127.0.0.0/8, `::1` and IPv4-mapped loopback addresses. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** Throws Unauthorized when `host` is not loopback and no token is configured. */
export function assertSafeBind(host: string, hasTokens: boolean): void {
  if (hasTokens || isLoopbackHost(host)) return;
  throw new OrchflowError(
    ErrorCode.Unauthorized,
    `Refusing to listen on '${host}' without authentication: anyone who can reach it could run commands. ` +
      'Configure a token (--token or --tokens FILE) or bind to 127.0.0.1',
    { host },
  );
}
