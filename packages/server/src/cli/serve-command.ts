// Registers `orchflow serve`: its flags and help. The server itself (serve.ts and all it starts)
// is loaded when the command runs, so other commands and --help do not load it.
import { type Command, Option } from 'commander';
import { DEFAULT_HOST } from '../auth/bind';
import { addLogFlags } from './log-flags';
import { parseOrigin, parsePort, parsePositiveInt, type ServeFlags } from './serve-flags';
import { parseSessionIdle } from './session-idle';
import { parseUiSessionLifetime } from './ui-session-lifetime';

/** Registers `serve` on `program`. */
export function registerServe(program: Command, done: (code: number) => void): void {
  addLogFlags(program.command('serve'))
    .description(
      'Serve an orchestrator (or, with --cluster, an orchflow cluster as a gateway) over stdio, a Unix socket, WebSocket and/or HTTP',
    )
    .option('--ws <port>', 'WebSocket listener port', parsePort)
    .option('--http <port>', 'HTTP listener port (JSON-RPC sessions, REST + SSE)', parsePort)
    .option('--host <host>', 'interface for --ws/--http (non-loopback needs --token/--tokens)', DEFAULT_HOST)
    .option('--unix <path>', 'Unix socket path (created with mode 0600)')
    .option('--stdio', 'serve one client on stdin/stdout (sidecar mode; logs go to stderr)')
    .option(
      '--policy <preset|file>',
      'security policy for every client: aiSafe, locked, standard, trusted or a JSON file (default: standard with --ws/--http, else trusted)',
    )
    .addOption(
      new Option(
        '--backend <name>',
        'terminal backend (tmux: terminals survive a crash of the server; see docs/tmux.md)',
      )
        .choices(['direct', 'tmux'])
        .default('direct'),
    )
    .option('--tmux-socket <name>', 'tmux socket name for --backend tmux', 'orchflow')
    .option(
      '--token <token>',
      "admin token clients must present (visible in ps and to terminals' commands; prefer --tokens FILE, see docs/security.md)",
    )
    .option(
      '--tokens <file>',
      'JSON tokens file: { "tokens": [{ "token", "principal", "policy"? }] } (policy: a preset name or object)',
    )
    .option('--max-terminals <n>', 'cap on live terminals', parsePositiveInt)
    .option(
      '--audit-log <file>',
      'append every policy decision, command end, floor keystroke and MCP call to this hash-chained JSONL file (check it with orchflow audit verify)',
    )
    .option(
      '--allow-origin <origin...>',
      'browser origins --ws/--http accept, as scheme://host[:port] (default none: requests from web pages are refused)',
      parseOrigin,
    )
    .option('--mcp', 'also serve MCP (Streamable HTTP) at /mcp on the --http listener, same tokens')
    .option(
      '--session-idle <duration>',
      'with --mcp: close an MCP client session unused this long (90s, 30m, 2h, ms; 0 = never; default 30m)',
      parseSessionIdle,
    )
    .option(
      '--ui',
      'also serve the web monitor at /ui/ on the --http listener; prints a one-time login link (see docs/monitor.md)',
    )
    .option('--ui-assets <dir>', "with --ui: serve this monitor build instead of @orchflow/monitor's")
    .option(
      '--ui-secure-cookie',
      'with --ui: mark the session cookie Secure, for a monitor people reach over HTTPS through a TLS-terminating proxy (see docs/monitor.md)',
    )
    .option(
      '--ui-session-lifetime <duration>',
      'with --ui: end a monitor session this long after its login, however active (90s, 30m, 8h, 2d, ms; default 12h)',
      parseUiSessionLifetime,
    )
    .option(
      '--metrics',
      'also serve Prometheus metrics at /metrics on the --http listener, for an admin token or --metrics-token (and loopback peers without one, see --metrics-auth; docs/observability.md)',
    )
    .option(
      '--metrics-token <token>',
      'with --metrics: a bearer token (16+ characters) that may scrape /metrics',
    )
    .option(
      '--metrics-auth <mode>',
      'with --metrics: token (every scrape needs an admin token or --metrics-token) or loopback (loopback peers need none); default token with --token/--tokens, else loopback',
    )
    .option(
      '--record <dir>',
      'record every terminal as an asciicast file in <dir>/<agent>/<terminal>.cast, with command markers and an index (see docs/observability.md)',
    )
    .option('--record-format <format>', 'with --record: asciicast v2 (default; asciinema 2.x plays it) or v3')
    .option('--record-input', 'with --record: record keystrokes too (they can hold secrets)')
    .option(
      '--record-max-bytes <size>',
      'with --record: largest size of one recording (bytes, or 500KB, 10MB, 1GiB; at least 4096); a full one ends with a truncation marker',
    )
    .option('--record-rotate', 'with --record-max-bytes: continue a full recording in <terminal>.1.cast, …')
    .option(
      '--record-dir-max-bytes <size>',
      'with --record: largest size of all recordings in <dir>; the oldest finished ones are deleted first',
    )
    .option(
      '--record-retention <duration>',
      'with --record: delete finished recordings older than this (90s, 30m, 12h, 7d, 2w), at start and periodically',
    )
    .option(
      '--cluster <urls>',
      "gateway mode: serve the orchflow cluster on these NATS servers (nats://HOST:PORT,…) instead of a local orchestrator; callers' tokens go to the nodes (see docs/cluster.md)",
    )
    .option(
      '--cluster-name <name>',
      'with --cluster: the cluster (subject namespace) to serve (default orchflow)',
    )
    .option('--nats-token <token>', 'with --cluster: NATS token')
    .option('--nats-user <user>', 'with --cluster: NATS user (with --nats-pass)')
    .option('--nats-pass <password>', 'with --cluster: NATS password')
    .option('--nats-creds <file>', 'with --cluster: NATS credentials file (JWT + nkey)')
    .option('--nats-tls-ca <file>', 'with --cluster: CA file for a TLS connection to NATS')
    .option(
      '--nats-inbox-prefix <prefix>',
      "with --cluster: prefix of the gateway's NATS inboxes instead of _INBOX (nodes need --allow-inbox-prefix)",
    )
    .addHelpText(
      'after',
      '\nWithout tokens, --stdio and --unix give every client admin rights (they are local only).\n' +
        '--ws/--http without a token generate one and print it.\n' +
        'A token\'s "policy" ("aiSafe", "locked", "standard", "trusted" or a policy object) holds its\n' +
        'clients to that policy on top of --policy: a command must pass both (see docs/security.md).',
    )
    .action(async (flags: ServeFlags) => done(await (await import('./serve')).serveCommand(flags)));
}
