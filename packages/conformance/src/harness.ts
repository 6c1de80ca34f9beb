// What the conformance suite needs from a transport, and the helpers its test bodies share. A
// transport under test is a `TransportCase`: given an orchestrator and the suite's token
// authenticator, it serves the orchestrator and returns a function that connects an
// `OrchflowClient` with a token. `channelTransport` builds one from any `IpcChannel` pair, which
// is how a custom transport is put through the suite (see docs/integration-guide/custom-transport.md).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrchflowClient, type OutputEvent, ReconnectingChannel } from '@orchflow/client';
import { type Authenticate, Orchestrator, type OrchestratorOptions, serveChannel } from '@orchflow/core';
import {
  ErrorCode,
  type IpcChannel,
  isOrchflowError,
  isOrchflowLocalError,
  OrchflowError,
  type Principal,
} from '@orchflow/protocol';
import { onTestFinished } from 'vitest';

/** The suite's tokens: `admin`, the agents `alice` (agent ids `alice*`) and `bob` (`bob*`), and a `viewer`. */
export const TOKENS = {
  admin: 'admin-token-0123456789abcdef',
  alice: 'alice-token-0123456789abcdef',
  bob: 'bob-token-0123456789abcdefgh',
  viewer: 'viewer-token-0123456789abcdef',
} as const;

/**
 * Who each suite token stands for, as a tokens file would say it: alice may act as `alice*`
 * agents, bob as `bob*` agents; the viewer sees everything and controls nothing.
 */
export const SUITE_TOKENS: readonly { token: string; principal: Principal }[] = Object.freeze([
  { token: TOKENS.admin, principal: { kind: 'admin' } },
  { token: TOKENS.alice, principal: { kind: 'agent', name: 'alice', agentIdPrefix: 'alice' } },
  { token: TOKENS.bob, principal: { kind: 'agent', name: 'bob', agentIdPrefix: 'bob' } },
  { token: TOKENS.viewer, principal: { kind: 'viewer', name: 'wall' } },
]);

/**
 * How a transport under test admits callers: `authenticate` (for `serveChannel`) checks the suite's
 * tokens; a server with its own token checking builds it from `tokens` (e.g. orchflow's
 * `new TokenAuthenticator({ tokens })`).
 */
export interface SuiteAuth {
  /** The suite's tokens and principals. */
  readonly tokens: readonly { token: string; principal: Principal }[];
  /** `initialize`'s token → its principal; throws Unauthorized for anything else. */
  readonly authenticate: Authenticate;
}

/** The suite's {@link SuiteAuth}: one principal object per token, for the life of the test. */
export function suiteAuth(): SuiteAuth {
  const byToken = new Map(SUITE_TOKENS.map(({ token, principal }) => [token, { ...principal }]));
  return {
    tokens: SUITE_TOKENS,
    authenticate: (params) => {
      if (params.token === undefined || params.token === '') {
        throw new OrchflowError(
          ErrorCode.Unauthorized,
          'This server requires a token; pass one in initialize',
        );
      }
      const principal = byToken.get(params.token);
      if (!principal) throw new OrchflowError(ErrorCode.Unauthorized, 'The token was not accepted');
      return principal;
    },
  };
}

/** An orchestrator shut down when the test ends. */
export function testOrchestrator(options: OrchestratorOptions = {}): Orchestrator {
  const orch = new Orchestrator(options);
  onTestFinished(() => orch.shutdown());
  return orch;
}

/** A connected client and a way to cut its connection. */
export interface Connected {
  client: OrchflowClient;
  /** Cuts the transport under the client without a goodbye (no `close()`, no `$/shutdown`). */
  drop(): void;
  /** How many times the client reconnected (or reopened a stream) since it connected. */
  resumes(): number;
}

/** Connects a client presenting `token`. */
export type Connect = (token: string) => Promise<Connected>;

/** One transport under test. */
export interface TransportCase {
  /** Shown in test names; should match what the server reports in `capabilities.transports`. */
  name: string;
  /**
   * What the server reports in `capabilities.transports`, for a case that runs one transport a
   * second way (e.g. `'http'` for HTTP sessions without the message stream). Default: `name`.
   */
  reports?: string;
  /**
   * Whether a dropped connection's terminals survive so the client can come back and resume its
   * streams; the server must then list the `reconnect` feature, and the suite checks both agree.
   */
  resumable: boolean;
  /**
   * Options every orchestrator this transport serves is built with, under each test's own, e.g. a
   * cluster node's `terminalIdPrefix` (cluster terminal ids name their node).
   */
  orchestratorOptions?: OrchestratorOptions;
  /** Serves `orch`, admitting the suite's tokens (`auth`); returns how to connect. */
  start(orch: Orchestrator, auth: SuiteAuth): Promise<Connect>;
}

/** Backoff for reconnecting test clients: quick, but enough attempts for a loaded machine. */
export const RECONNECT = { initialDelayMs: 20, maxDelayMs: 200, maxAttempts: 20 };

/** Connects through a ReconnectingChannel, remembering the newest raw channel so it can be cut. */
export async function reconnecting(token: string, open: () => Promise<IpcChannel>): Promise<Connected> {
  let latest: IpcChannel | undefined;
  let resumes = 0;
  const channel = await ReconnectingChannel.open(
    async () => {
      latest = await open();
      return latest;
    },
    { ...RECONNECT, onReconnected: () => resumes++ },
  );
  const client = await OrchflowClient.fromChannel(channel, { token });
  onTestFinished(() => client.close());
  return { client, drop: () => void latest?.close(), resumes: () => resumes };
}

/** How {@link channelTransport} reaches the server: a fresh connected pair per connection. */
export interface ChannelPair {
  /** The client's end. */
  client: IpcChannel;
  /** The server's end, served with `serveChannel`. */
  server: IpcChannel;
}

/**
 * A transport case for a custom `IpcChannel`: `open()` makes a connected pair per connection; the
 * server end is served with `serveChannel` and the client end is wrapped in a
 * `ReconnectingChannel`, so a drop (closing the client end) is followed by a new pair.
 */
export function channelTransport(
  name: string,
  open: () => Promise<ChannelPair> | ChannelPair,
): TransportCase {
  return {
    name,
    resumable: true,
    start: async (orch, auth) => (token) =>
      reconnecting(token, async () => {
        const pair = await open();
        serveChannel(orch, pair.server, {
          authenticate: auth.authenticate,
          // Kept after a drop, so the reconnecting client resumes; a clean close still releases them.
          killTerminalsOnClose: false,
          transports: [name],
        });
        return pair.client;
      }),
  };
}

/** An orchestrator served over `transport`, with an admin client connected to it. */
export interface Served {
  orch: Orchestrator;
  connect: Connect;
  /** An admin connection (token `TOKENS.admin`). */
  admin: OrchflowClient;
  adminConnection: Connected;
}

/** Serves a fresh orchestrator over `transport` and connects an admin; all torn down after the test. */
export async function serve(transport: TransportCase, options: OrchestratorOptions = {}): Promise<Served> {
  const orch = testOrchestrator({ ...transport.orchestratorOptions, ...options });
  const connect = await transport.start(orch, suiteAuth());
  const adminConnection = await connect(TOKENS.admin);
  return { orch, connect, admin: adminConnection.client, adminConnection };
}

/** The rejection of `promise` (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

/** The code of the orchflow error (remote or local) `promise` rejects with (undefined for others). */
export async function codeOf(promise: Promise<unknown>): Promise<number | string | undefined> {
  const error = await rejection(promise);
  if (isOrchflowError(error)) return error.code;
  if (isOrchflowLocalError(error)) return error.code;
  return undefined;
}

/** Waits (polling every 50 ms) until `check` holds; fails after `timeoutMs` (generous by default). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A fresh directory under the system's temp dir, removed once the current test has finished. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** True once `path` exists. */
export function exists(path: string): boolean {
  return existsSync(path);
}

/** Reads `stream` until the text holds `marker` (or it ends); calls `midway` once the text holds `at`. */
export async function readUntil(
  stream: AsyncIterable<OutputEvent>,
  marker: string,
  dropAt?: { at: string; midway: () => void },
): Promise<{ text: string; events: OutputEvent[] }> {
  let text = '';
  const events: OutputEvent[] = [];
  let dropped = false;
  for await (const event of stream) {
    events.push(event);
    if (event.type === 'data') text += event.data;
    if (dropAt && !dropped && text.includes(dropAt.at)) {
      dropped = true;
      dropAt.midway();
    }
    if (text.includes(marker) || event.type === 'end') break;
  }
  return { text, events };
}

/** A shell fragment printing `text` without the literal appearing in the typed command (no echo match). */
export function quietEcho(text: string): string {
  const cut = Math.max(1, text.length >> 1);
  return `printf '%s%s\\n' '${text.slice(0, cut)}' '${text.slice(cut)}'`;
}
