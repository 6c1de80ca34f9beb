// Registers `orchflow node`: its flags and help. The node itself (node.ts: the orchestrator, NATS,
// the cluster code) is loaded when the command runs, so other commands and --help do not load it.
import type { Command } from 'commander';
import { DEFAULT_NODE_CAPACITY, DEFAULT_NODE_MAX_SESSIONS } from '../cluster/node-defaults';
import { addLogFlags } from './log-flags';
import type { NodeFlags } from './node';
import { withUsageErrors } from './recording-args';

/** Registers `node` on `program`. */
export function registerNode(program: Command, done: (code: number) => void): void {
  addLogFlags(program.command('node'))
    .description('Serve an orchestrator as a node of an orchflow cluster on NATS (see docs/cluster.md)')
    .option('--nats <urls>', 'NATS server URL(s), comma-separated, e.g. nats://HOST:4222')
    .option('--name <id>', 'node id: letters, digits, - (default: the host name)')
    .option('--capacity <n>', `terminals this node takes (default ${DEFAULT_NODE_CAPACITY})`)
    .option('--labels <k=v,...>', 'labels spawns can ask for (config.placement.labels)')
    .option('--cluster-name <name>', 'cluster (subject namespace) to join (default orchflow)')
    .option('--node-ttl <ms>', 'the node counts as gone this long after its last heartbeat (default 15000)')
    .option('--session-ttl <ms>', 'a client session silent this long is closed (default 60000)')
    .option(
      '--reconnect-grace <ms>',
      "a vanished session's terminals wait this long for it to come back (default 60000; 0 kills them at once)",
    )
    .option(
      '--max-sessions <n>',
      `client sessions open at once (default ${DEFAULT_NODE_MAX_SESSIONS}); with several tokens each token may hold half`,
    )
    .option('--tokens <file>', 'JSON tokens file, as for orchflow serve (required unless --insecure-no-auth)')
    .option(
      '--insecure-no-auth',
      'run without --tokens: every session is admin (only on a NATS server nobody else reaches)',
    )
    .option('--nats-token <token>', 'NATS token')
    .option('--nats-user <user>', 'NATS user (with --nats-pass)')
    .option('--nats-pass <password>', 'NATS password')
    .option('--nats-creds <file>', 'NATS credentials file (JWT + nkey)')
    .option('--nats-tls-ca <file>', 'CA file for a TLS connection to NATS')
    .option(
      '--nats-inbox-prefix <prefix>',
      "prefix of the node's own NATS inboxes instead of _INBOX (so its user need not read _INBOX.>)",
    )
    .option(
      '--allow-inbox-prefix <prefix>',
      'a session inbox prefix clients may use besides _INBOX. (their inboxPrefix); repeatable',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--backend <name>', 'terminal backend: direct or tmux', 'direct')
    .option('--tmux-socket <name>', 'tmux socket name for --backend tmux', 'orchflow')
    .option(
      '--policy <preset|file>',
      'security policy: aiSafe, locked, standard (default), trusted or a JSON file',
    )
    .option('--audit-log <file>', 'append every decision and command end to this hash-chained JSONL file')
    .option(
      '--metrics-port <port>',
      'serve Prometheus metrics at GET /metrics on this port (0 picks a free one)',
    )
    .option('--metrics-host <host>', 'with --metrics-port: interface to bind (default 127.0.0.1)')
    .option(
      '--metrics-token <token>',
      'with --metrics-port: a bearer token (16+ characters) that may scrape /metrics, besides admin tokens of --tokens',
    )
    .option(
      '--metrics-auth <mode>',
      'with --metrics-port: token (every scrape needs a token) or loopback (loopback peers need none); default token with --tokens, else loopback',
    )
    .action(async (flags: NodeFlags) => {
      const { runNode } = await import('./node');
      done(await withUsageErrors('--tokens', () => runNode(flags)));
    });
}
