// What `serve` tells the person or program that started it: where it listens, how to connect,
// the effective policy and a generated token. On a terminal that is a few human lines; when stderr
// is a pipe or a log collector it is one JSON log line, so the stream stays machine-readable.
// Nothing goes to stdout, which is the protocol itself under --stdio.
import type { Logger } from '../logger';
import { VERSION } from './version';

/** One listener `serve` started. */
export interface Listener {
  /** `unix`, `websocket`, `http` or `stdio`. */
  transport: string;
  /** Socket path or URL (absent for stdio). */
  address?: string;
  /** How a client connects, as a command or code line. */
  connect: string;
}

/** Everything the start-up message says. */
export interface Banner {
  listeners: Listener[];
  policy: string;
  /** A token `serve` generated because none was configured. */
  generatedToken?: string;
  /** The web monitor's one-time login link (`--ui`). */
  loginUrl?: string;
  /** Set when a network listener is bound to a non-loopback interface. */
  publicHost?: string;
  stdio: boolean;
  /** Where and how `--record` records every terminal. */
  recording?: string;
  /** Set in gateway mode (`--cluster`): which cluster is served. */
  gateway?: string;
}

/**
 * Writes the start-up message: human text on a terminal, else one JSON line through `log` — printed
 * whatever `--log-level` says, as the human text is.
 */
export function announce(banner: Banner, format: 'human' | 'json', log: Logger): void {
  if (format === 'json') {
    const fields = {
      version: VERSION,
      listeners: banner.listeners,
      policy: banner.policy,
      token: banner.generatedToken,
      loginUrl: banner.loginUrl,
      publicHost: banner.publicHost,
      recording: banner.recording,
      gateway: banner.gateway,
    };
    // Not a log line a level can silence: programs read the listeners' addresses from it.
    if (log.isLevelEnabled('info')) log.info(fields, 'listening');
    else
      process.stderr.write(
        `${JSON.stringify({ level: 30, time: Date.now(), name: 'orchflow', ...fields, msg: 'listening' })}\n`,
      );
    return;
  }
  // Under --stdio the parent process, not Ctrl-C, ends the server (by closing stdin).
  const stop = banner.stdio ? 'stops when stdin closes' : 'Ctrl-C to stop';
  const what = banner.gateway ? `gateway to ${banner.gateway.split(' (')[0]}` : 'serving';
  const out = [`orchflow ${VERSION} ${what} (${stop})`];
  // One column for every label, as wide as the longest ("mcp (streamable http)").
  const width = Math.max(12, ...banner.listeners.map((l) => l.transport.length));
  const row = (label: string, text: string) => out.push(`  ${label.padEnd(width)} ${text}`);
  for (const { transport, address, connect } of banner.listeners) {
    const where = address === undefined ? '' : `${address}   `;
    row(transport, `${where}connect: ${connect}`);
  }
  if (banner.gateway) row('cluster', banner.gateway);
  row('policy', banner.policy);
  if (banner.recording) row('recording', banner.recording);
  if (banner.generatedToken)
    row('token', `${banner.generatedToken}   (clients pass it as --token / { token })`);
  if (banner.loginUrl) row('login link', `${banner.loginUrl}   (works once, for 10 minutes)`);
  if (banner.publicHost) out.push(`  warning: listening on ${banner.publicHost}, reachable from the network`);
  process.stderr.write(`${out.join('\n')}\n`);
}
