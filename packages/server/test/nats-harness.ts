// Test helper: a real nats-server (Debian's 2.9.x) on 127.0.0.1 with a port the server picks
// (`-p -1`, read back from its log) and JetStream in a temp store dir. `restart()` brings it back
// on the same port and store, so clients' reconnects and the KV bucket's contents can be tested;
// `stop()` (or `await using`) kills it and removes the store. Every server started here is also
// killed when the test process exits, so a failed test leaves no nats-server behind.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How to start the server. */
export interface NatsServerOptions {
  /** Clients must present this token (`--auth`). */
  token?: string;
  /** Clients must log in as this user (`--user`/`--pass`). */
  user?: { name: string; pass: string };
  /** A nats-server config file's text (permissions, accounts…); written to the store dir. */
  config?: string;
  /** Without JetStream (no KV bucket possible). Default: JetStream on. */
  noJetStream?: boolean;
}

/** A running nats-server. */
export interface NatsServer extends AsyncDisposable {
  /** `nats://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** Kills the server; `restart()` may follow. */
  kill(): Promise<void>;
  /**
   * Starts it again on the same port and store dir (after `kill()`, or kills it first), with
   * `changed` options (e.g. another token) in place of the first ones; `wipeStore` empties the
   * JetStream store first.
   */
  restart(changed?: Pick<NatsServerOptions, 'token'> & { wipeStore?: boolean }): Promise<void>;
  /** Kills the server and removes its store dir. */
  stop(): Promise<void>;
  /** The server's log so far (for failure messages). */
  log(): string;
  /** Why the server exited without being killed (e.g. a panic, with its log's end), if it did. */
  unexpectedExit(): string | undefined;
}

const NATS_BIN = process.env.NATS_SERVER_BIN ?? 'nats-server';
const START_TIMEOUT_MS = 15_000;
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts a nats-server; resolves once it accepts clients. */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const dir = await mkdtemp(join(tmpdir(), 'orchflow-nats-'));
  const args = ['-a', '127.0.0.1'];
  if (!options.noJetStream) args.push('-js', '-sd', dir);
  if (options.user) args.push('--user', options.user.name, '--pass', options.user.pass);
  if (options.config !== undefined) {
    const file = join(dir, 'nats.conf');
    await writeFile(file, options.config);
    args.push('-c', file);
  }
  let token = options.token;
  let logText = '';
  let child: ChildProcess | undefined;
  let unexpectedExit: string | undefined;
  const launch = async (port: number): Promise<number> => {
    const auth = token ? ['--auth', token] : [];
    const started = spawn(NATS_BIN, [...args, ...auth, '-p', String(port)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = started;
    running.add(started);
    started.once('exit', () => running.delete(started));
    return await new Promise<number>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(
        () => fail(new Error('nats-server did not become ready in time')),
        START_TIMEOUT_MS,
      );
      const fail = (error: Error): void => {
        clearTimeout(timer);
        reject(new Error(`${error.message}\n${seen}`));
      };
      started.once('error', fail);
      started.once('exit', (code) => fail(new Error(`nats-server exited with ${code} before it was ready`)));
      started.stderr?.setEncoding('utf8').on('data', (text: string) => {
        seen += text;
        logText += text;
        const match = /Listening for client connections on [^\s]+:(\d+)/.exec(seen);
        if (match && seen.includes('Server is ready')) {
          clearTimeout(timer);
          started.removeAllListeners('exit');
          started.once('exit', () => running.delete(started));
          // On 'close', once stderr is read to its end (a panic's trace is the last thing said).
          started.once('close', (code, signal) => {
            // `kill()` clears `child` first: still ours means nobody asked it to stop. Said at
            // once, since a test waiting on the dead server would only report a timeout.
            if (child !== started) return;
            unexpectedExit ??= `nats-server (pid ${started.pid}) exited by itself (code ${code}, signal ${signal}); its log ends:\n${logText.slice(-3_000)}`;
            console.error(unexpectedExit);
          });
          resolve(Number(match[1]));
        }
      });
    });
  };
  const kill = async (): Promise<void> => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
    current.kill('SIGKILL');
    await exited;
  };
  const port = await launch(-1);
  const stop = async (): Promise<void> => {
    await kill();
    await rm(dir, { recursive: true, force: true });
  };
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    kill,
    async restart(changed = {}) {
      if ('token' in changed) token = changed.token;
      await kill();
      // The store lost (a container without a volume): JetStream comes back empty.
      if (changed.wipeStore) await rm(join(dir, 'jetstream'), { recursive: true, force: true });
      await launch(port);
    },
    stop,
    log: () => logText,
    unexpectedExit: () => unexpectedExit,
    [Symbol.asyncDispose]: stop,
  };
}
