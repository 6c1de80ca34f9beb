// `OrchflowClient`: the typed API of an orchflow server over any IpcChannel. It performs the
// `initialize` handshake, then offers terminals, batches, transactions, scripts, interactive
// sessions and emergency controls; errors arrive rebuilt as `OrchflowError` with their codes.
import {
  type BatchExecuteParams,
  type BatchItemResult,
  type ClientInfo,
  checkProtocolVersion,
  type Disposer,
  disposer,
  ErrorCode,
  type ExecResult,
  type ExecuteCommand,
  type InitializeResult,
  type IpcChannel,
  type ListParams,
  type Methods,
  type MetricsResult,
  OrchflowError,
  PROTOCOL_VERSION,
  type Principal,
  RpcPeer,
  type SecurityAlertParams,
  type ServerCapabilities,
  type ServerInfo,
  type TerminalConfig,
  type TerminalInfo,
} from '@orchflow/protocol/runtime';
import { type BulkControlTarget, bulkParams, completeOrThrow } from './bulk-controls';
import type { DirectConnectable } from './connectable';
import { requireFeature } from './features';
import { InteractiveSession } from './interactive-session';
import { AlertParams } from './notification-schemas';
import { assertKnownCommands, assertKnownOptions } from './option-keys';
import { type BatchAbortOptions, batchCancelled, batchRequestOptions } from './remote-batch';
import type { RemoteExecuteOptions } from './remote-execute';
import { RemoteTerminal } from './remote-terminal';
import { SubscriptionRouter } from './subscription-router';
import { ClientTransaction } from './transaction';
import type { HttpClientOptions } from './transports/http';
import { HttpChannel } from './transports/http-channel';
import { openWebSocketChannel, type WebSocketClientOptions } from './transports/websocket-connect';

/** How long `close()` waits for the server to release the connection's terminals: 5 s. */
export const CLOSE_TIMEOUT_MS = 5_000;

/** The `clientInfo` sent when none is given. */
export const DEFAULT_CLIENT_INFO: ClientInfo = { name: '@orchflow/client' };

/** Options of {@link OrchflowClient.fromChannel}. */
export interface OrchflowClientOptions {
  /** Who is connecting; shown in server logs. Default {@link DEFAULT_CLIENT_INFO}. */
  clientInfo?: ClientInfo;
  /** Auth token; the server maps it to a principal. */
  token?: string;
  /** Timeout of requests that do not run commands (spawn, list, read…). Default 30 s. */
  timeoutMs?: number;
  /** Hears protocol problems the connection recovers from (malformed messages, unknown ids). */
  onError?: (error: Error) => void;
}

/** Options of {@link OrchflowClient.direct}. */
export interface DirectClientOptions extends OrchflowClientOptions {
  /** The principal to connect as. Default: admin. */
  principal?: Principal;
}

/**
 * Options of {@link OrchflowClient.batchExecute}: `terminal.batchExecute`'s params but the
 * commands, plus `signal` and `cancelWaitMs` to abort it (see {@link BatchAbortOptions}).
 */
export type BatchOptions = Omit<BatchExecuteParams, 'commands'> & BatchAbortOptions;

/**
 * What {@link OrchflowClient.listTerminals} resolves with: the terminals, plus (from a cluster
 * only) `unreachableNodes`, the live nodes that did not answer in time. A plain array otherwise.
 */
export type TerminalList = TerminalInfo[] & { unreachableNodes?: string[] };

/** Options of {@link OrchflowClient.runScript}. */
export interface RunScriptOptions extends Omit<RemoteExecuteOptions, 'signal'> {
  /** Agent that owns the throwaway terminal. Default `script`. */
  agentId?: string;
  /** Terminal config (cwd, env, mode…). */
  config?: TerminalConfig;
  /** Aborting interrupts the script; the terminal is killed either way. */
  signal?: AbortSignal;
}

/** Options of {@link OrchflowClient.runInteractive}. */
export interface RunInteractiveOptions {
  /** Agent that owns the session's terminal. Default `interactive`. */
  agentId?: string;
  /** Terminal config (cwd, env, size…). */
  config?: TerminalConfig;
}

/** A connection to an orchflow server; the same API over every transport. */
export class OrchflowClient {
  /** Resolves (never rejects) once the connection has closed. */
  readonly closed: Promise<void>;

  /**
   * @internal Created by the static constructors (`fromChannel`, `direct`, `websocket`, `http`).
   * Protected, not private: `@orchflow/client/node` subclasses it to add its constructors.
   */
  protected constructor(
    private readonly peer: RpcPeer<typeof Methods>,
    private readonly router: SubscriptionRouter,
    private readonly handshake: InitializeResult,
  ) {
    this.closed = peer.closed;
  }

  /** Connects over `channel`: performs `initialize` and checks the protocol version. */
  static async fromChannel(
    channel: IpcChannel,
    options: OrchflowClientOptions = {},
  ): Promise<OrchflowClient> {
    let router: SubscriptionRouter | undefined;
    let offered: ServerCapabilities | undefined;
    // No `methods`: results from the server are typed but not re-validated against the protocol's
    // full schemas, which would pull classic zod into the browser bundle; the JSON-RPC envelope
    // and the notifications the client acts on are still checked (notification-schemas.ts).
    const peer = new RpcPeer<typeof Methods>(channel, {
      defaultTimeoutMs: options.timeoutMs,
      onError: options.onError,
      onClose: (reason) => router?.closeAll(reason),
      onLocalFailure: ({ target, error }) => {
        if ('subscriptionId' in target) router?.fail(target.subscriptionId, error);
      },
    });
    router = new SubscriptionRouter(peer, () => offered);
    try {
      const handshake = await peer.request('initialize', {
        protocolVersion: PROTOCOL_VERSION,
        clientInfo: options.clientInfo ?? DEFAULT_CLIENT_INFO,
        token: options.token,
      });
      const version = checkProtocolVersion(handshake.protocolVersion);
      if (!version.compatible) throw new OrchflowError(ErrorCode.VersionMismatch, version.reason);
      offered = handshake.capabilities;
      return new OrchflowClient(peer, router, handshake);
    } catch (error) {
      await peer.close();
      throw error;
    }
  }

  /** Connects to an in-process orchestrator (anything with `connect(principal?)`, e.g. core's). */
  static async direct(
    orchestrator: DirectConnectable,
    options: DirectClientOptions = {},
  ): Promise<OrchflowClient> {
    const { principal, ...rest } = options;
    return OrchflowClient.fromChannel(await orchestrator.connect(principal), rest);
  }

  /**
   * Connects over WebSocket using the runtime's global `WebSocket` (browsers, Node ≥ 22); it
   * reconnects with backoff and resumes every output stream from its last offset. On Node 20,
   * import `OrchflowClient` from `@orchflow/client/node`, whose `websocket()` uses `ws`.
   */
  static async websocket(url: string, options: WebSocketClientOptions = {}): Promise<OrchflowClient> {
    return OrchflowClient.fromChannel(await openWebSocketChannel(url, options), options);
  }

  /**
   * Connects to an orchflow HTTP server as one session: messages POSTed to `/v1/rpc`, everything
   * the server sends on one event stream (binary frames, or SSE) that resumes after a drop.
   * `close()` ends the session.
   */
  static http(url: string, options: HttpClientOptions = {}): Promise<OrchflowClient> {
    const { token, fetch, exchange, reconnect, livenessMs, messageStream, eventFormat, onError } = options;
    let channel: HttpChannel;
    try {
      channel = new HttpChannel(url, {
        token,
        fetch,
        exchange,
        reconnect,
        livenessMs,
        messageStream,
        eventFormat,
        onError,
      });
    } catch (error) {
      return Promise.reject(error);
    }
    return OrchflowClient.fromChannel(channel, options);
  }

  /** The server's name and version. */
  get serverInfo(): ServerInfo {
    return this.handshake.serverInfo;
  }

  /** What the server supports. */
  get capabilities(): ServerCapabilities {
    return this.handshake.capabilities;
  }

  /** Who the server takes this client to be. */
  get principal(): Principal {
    return this.handshake.principal;
  }

  /** The server's protocol version. */
  get protocolVersion(): string {
    return this.handshake.protocolVersion;
  }

  /** True once the connection has closed. */
  get isClosed(): boolean {
    return this.peer.isClosed;
  }

  /** Spawns a terminal owned by `agentId`. */
  async spawnTerminal(agentId: string, config?: TerminalConfig): Promise<RemoteTerminal> {
    if (config !== undefined) assertKnownOptions('config', config);
    const info = await this.peer.request('terminal.spawn', { agentId, config });
    return this.handle(info);
  }

  /** A handle on an existing terminal, such as one from {@link listTerminals}. */
  handle(info: TerminalInfo): RemoteTerminal {
    return new RemoteTerminal(
      { peer: this.peer, router: this.router, capabilities: this.handshake.capabilities },
      info,
    );
  }

  /**
   * The terminals this client may see, optionally narrowed. From a cluster, the array also carries
   * `unreachableNodes` (live nodes that did not answer in time, so their terminals are missing), and
   * terminals of lost nodes are listed `exited` with `exitReason: 'node-lost'`.
   */
  async listTerminals(filter: ListParams = {}): Promise<TerminalList> {
    assertKnownOptions('list', filter);
    const { terminals, unreachableNodes } = await this.peer.request('terminal.list', filter);
    const list: TerminalList = terminals;
    if (unreachableNodes !== undefined) list.unreachableNodes = unreachableNodes;
    return list;
  }

  /**
   * Runs several commands; results line up with `commands`. Aborting `options.signal` stops the
   * batch on the server and rejects with `Cancelled`, the results so far in `error.data.results`
   * (see {@link BatchAbortOptions.signal}).
   */
  async batchExecute(commands: ExecuteCommand[], options: BatchOptions = {}): Promise<BatchItemResult[]> {
    requireFeature(this.capabilities, 'batchExecute', 'batchExecute()');
    assertKnownOptions('batch', options);
    assertKnownCommands(commands);
    const { signal, cancelWaitMs, ...params } = options;
    const request = batchRequestOptions(this.capabilities, 'batchExecute()', { signal, cancelWaitMs });
    try {
      const { results } = await this.peer.request('terminal.batchExecute', { commands, ...params }, request);
      return results;
    } catch (error) {
      throw batchCancelled(error);
    }
  }

  /** Opens a transaction: its commands are admitted together at commit, or none runs. */
  async transaction(): Promise<ClientTransaction> {
    requireFeature(this.capabilities, 'transactions', 'transaction()');
    const { txId } = await this.peer.request('tx.begin', {});
    return new ClientTransaction(this.peer, txId, this.capabilities);
  }

  /** Runs `script` in a fresh terminal, kills the terminal (also on failure) and returns the result. */
  async runScript(script: string, options: RunScriptOptions = {}): Promise<ExecResult> {
    const { agentId = 'script', config, ...execute } = options;
    // Refused before the throwaway terminal is spawned (execute() would refuse them after).
    assertKnownOptions('execute', execute);
    if (config !== undefined) assertKnownOptions('config', config);
    const terminal = await this.spawnTerminal(agentId, config);
    try {
      return await terminal.execute(script, execute);
    } finally {
      // The connection may be gone (that is often why execute failed); the server then kills it.
      await terminal.kill().catch(() => undefined);
    }
  }

  /**
   * Starts `program` in a fresh terminal as a command without a timeout (admitted like any
   * command: a denied program rejects, e.g. with PolicyDenied) and returns a session to talk to it.
   * Talking to it writes raw input, which needs a policy that allows `canWriteRawInput` (the
   * `standard` policy of a network listener does not: `write()` then fails with Forbidden).
   */
  async runInteractive(program: string, options: RunInteractiveOptions = {}): Promise<InteractiveSession> {
    // Checked before the spawn: the session's output comes through a subscription.
    requireFeature(this.capabilities, 'subscriptions', 'runInteractive()');
    if (options.config !== undefined) assertKnownOptions('config', options.config);
    const terminal = await this.spawnTerminal(options.agentId ?? 'interactive', options.config);
    try {
      return await InteractiveSession.start(terminal, program, {
        awaitAdmission: this.capabilities.features.includes('executeStarted'),
      });
    } catch (error) {
      await terminal.kill().catch(() => undefined);
      throw error;
    }
  }

  /** Orchestrator metrics (for an agent principal: its own terminals only). */
  async metrics(options: { includeProcesses?: boolean } = {}): Promise<MetricsResult> {
    requireFeature(this.capabilities, 'metrics', 'metrics()');
    assertKnownOptions('metrics', options);
    return this.peer.request('orchestrator.metrics', options);
  }

  /**
   * Pauses output reading of every terminal, or of one agent's (`pauseAll('agent-1')` or
   * `pauseAll({ agentId: 'agent-1' })`); admin only. Returns how many. In a cluster, nodes that
   * did not answer make it fail with `Unavailable` (`data.unreachableNodes`, `data.paused`): the
   * others are paused, but an emergency control must not look complete.
   */
  async pauseAll(target?: BulkControlTarget): Promise<number> {
    requireFeature(this.capabilities, 'emergencyControls', 'pauseAll()');
    const params = bulkParams(target);
    return completeOrThrow('pauseAll', 'paused', await this.peer.request('orchestrator.pauseAll', params));
  }

  /**
   * Resumes every paused terminal, or one agent's (its id or `{ agentId }`); admin only. Returns
   * how many. As `pauseAll` in a cluster.
   */
  async resumeAll(target?: BulkControlTarget): Promise<number> {
    requireFeature(this.capabilities, 'emergencyControls', 'resumeAll()');
    const params = bulkParams(target);
    return completeOrThrow('resumeAll', 'resumed', await this.peer.request('orchestrator.resumeAll', params));
  }

  /**
   * Kills every terminal, or one agent's (`killAll('agent-1')` or `killAll({ agentId: 'agent-1' })`);
   * admin only. Returns how many. A target with any other key is refused (InvalidParams) before
   * anything is sent: a misspelt `agentId` must not widen the kill to every terminal. In a
   * cluster, nodes that did not answer make it fail with `Unavailable` (`data.unreachableNodes`,
   * `data.killed`): their terminals may still run.
   */
  async killAll(target?: BulkControlTarget): Promise<number> {
    requireFeature(this.capabilities, 'emergencyControls', 'killAll()');
    const params = bulkParams(target);
    return completeOrThrow(
      'killAll',
      'killed',
      await this.peer.request('orchestrator.killAll', params, { timeoutMs: 0 }),
    );
  }

  /**
   * Calls `listener` with each `security.alert` the server sends this connection: policy denials
   * and other alerts about agents its principal may act as (every alert for admins and viewers).
   * Returns a disposer that stops the listener.
   */
  onSecurityAlert(listener: (alert: SecurityAlertParams) => void): Disposer {
    return disposer(this.peer.onNotification('security.alert', AlertParams, listener));
  }

  /** Round-trip time to the server, in milliseconds. */
  async ping(): Promise<number> {
    // Not RpcPeer.ping(): it sends no params, which servers validating `$/ping` params refuse.
    const started = performance.now();
    await this.peer.request('$/ping', {});
    return performance.now() - started;
  }

  /**
   * Ends the connection cleanly: the server kills the terminals this connection holds (they no
   * longer count against its quotas once this resolves) and disposes its subscriptions. Only a
   * connection lost without `close()` gets a server's reconnect grace.
   */
  async close(): Promise<void> {
    if (!this.peer.isClosed && this.capabilities.features.includes('shutdown')) {
      // Best effort: a connection that is already gone is a drop, whatever we say now.
      await this.peer.request('$/shutdown', {}, { timeoutMs: CLOSE_TIMEOUT_MS }).catch(() => undefined);
    }
    await this.peer.close();
  }
}
