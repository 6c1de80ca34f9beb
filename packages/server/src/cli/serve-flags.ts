// The flags of `orchflow serve` and the checks that make a bad one a usage error (exit 2): flags
// that need another flag or conflict (checkServeFlags), values commander parses (ports, counts),
// and values that only fail when used, such as a tokens or policy file (flagValue). The checks of
// recording and metrics values are in serve-usage.ts.
import { InvalidArgumentError } from 'commander';
import { MIN_TOKEN_LENGTH } from '../auth/token-length';
import { usageError } from './recording-args';
import type { ServeClusterFlags } from './serve-cluster';
import type { ServeUsageFlags } from './serve-usage';

/** Flags of `orchflow serve`. */
export interface ServeFlags extends ServeClusterFlags, ServeUsageFlags {
  ws?: number;
  http?: number;
  host: string;
  unix?: string;
  stdio?: boolean;
  policy?: string;
  backend: string;
  tmuxSocket?: string;
  maxTerminals?: number;
  allowOrigin?: string[];
  /** Serve MCP (Streamable HTTP) at `/mcp` on the --http listener. */
  mcp?: boolean;
  /** `--audit-log FILE`: the hash-chained audit log of every decision, command and MCP call. */
  auditLog?: string;
  /** `--session-idle` for --mcp: idle period of an MCP client's session in ms (0 never). */
  sessionIdle?: number;
  /** Serve the web monitor at `/ui/` on the --http listener. */
  ui?: boolean;
  /** A monitor build to serve instead of @orchflow/monitor's. */
  uiAssets?: string;
  /** `--ui-secure-cookie`: mark the monitor's session cookie `Secure` (the page is reached over HTTPS via a proxy). */
  uiSecureCookie?: boolean;
  /** `--ui-session-lifetime`: how long a monitor session lasts from its login, in ms. */
  uiSessionLifetime?: number;
  logLevel?: string;
  /** `human`, `json` or `auto` (human when stderr is a terminal). */
  logFormat?: string;
}

/** Flags that need another flag, conflict, or leave nothing to listen on: usage errors (exit 2). */
export function checkServeFlags(flags: ServeFlags): void {
  const wantsNetwork = flags.ws !== undefined || flags.http !== undefined;
  if (flags.token !== undefined && flags.tokens !== undefined) {
    throw usageError('Pass either --token or --tokens FILE, not both');
  }
  if (flags.token !== undefined && flags.token.length < MIN_TOKEN_LENGTH) {
    throw usageError(
      `--token must be at least ${MIN_TOKEN_LENGTH} characters (a short one can be guessed); without --token, --ws/--http generate one`,
    );
  }
  if (flags.mcp && flags.http === undefined) {
    throw usageError('--mcp serves MCP at /mcp on the HTTP listener: pass --http PORT too');
  }
  if (flags.sessionIdle !== undefined && !flags.mcp) {
    throw usageError('--session-idle sets the idle period of MCP sessions: pass --mcp too');
  }
  if (flags.ui && flags.http === undefined) {
    throw usageError('--ui serves the web monitor at /ui/ on the HTTP listener: pass --http PORT too');
  }
  if (flags.uiAssets !== undefined && !flags.ui) {
    throw usageError('--ui-assets DIR picks the monitor build --ui serves: pass --ui too');
  }
  if (flags.uiSecureCookie && !flags.ui) {
    throw usageError('--ui-secure-cookie marks the cookie of the monitor --ui serves: pass --ui too');
  }
  if (flags.uiSessionLifetime !== undefined && !flags.ui) {
    throw usageError('--ui-session-lifetime limits the sessions of the monitor --ui serves: pass --ui too');
  }
  if (flags.ws !== undefined && flags.ws !== 0 && flags.ws === flags.http) {
    throw usageError(
      `--ws and --http need different ports, not both ${flags.ws} (0 picks a free one for each)`,
    );
  }
  if (flags.metrics && flags.http === undefined) {
    throw usageError('--metrics serves /metrics on the HTTP listener: pass --http PORT too');
  }
  if (flags.metricsToken !== undefined && !flags.metrics) {
    throw usageError('--metrics-token lets a scraper in to /metrics: pass --metrics too');
  }
  if (!flags.stdio && !flags.unix && !wantsNetwork) {
    throw usageError(
      'Nothing to serve: pass --stdio, --unix PATH, --ws PORT and/or --http PORT (see orchflow serve --help)',
    );
  }
}

/** A flag's value that could not be used (a tokens or policy file, a public bind without a token). */
export class FlagValueError extends Error {
  constructor(readonly reason: unknown) {
    super(reason instanceof Error ? reason.message : String(reason));
  }
}

/** Runs `load`; whatever it throws comes back as a {@link FlagValueError}. */
export async function flagValue<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw new FlagValueError(error);
  }
}

/**
 * Collects one `--allow-origin` value: an origin as a page's `Origin` header carries it,
 * `scheme://host[:port]` with no path, query or credentials (`http://localhost:5173`, an editor's
 * `vscode-webview://…`), or `*`.
 */
export function parseOrigin(value: string, previous: string[] = []): string[] {
  if (value === '*') return [...previous, value];
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/?#@\s]+$/i.test(value)) {
    throw new InvalidArgumentError(
      `'${value}' is not an origin; write it as a browser sends it, such as http://localhost:5173 or https://app.example.com (no path)`,
    );
  }
  // http(s) origins as browsers spell them (lower case, no default port).
  const origin = /^https?:/i.test(value) ? new URL(value).origin : value;
  return [...previous, origin];
}

/** Parses a port flag (0 picks a free one). */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new InvalidArgumentError(
      `'${value}' is not a port; use a number from 0 to 65535 (0 picks a free one)`,
    );
  }
  return port;
}

/** Parses a positive integer flag. */
export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`'${value}' is not a positive integer`);
  return n;
}
