// One session from the router to one node: the channel from `ClusterLinks.open`, an RpcPeer on
// it (so request ids, timeouts, `$/cancelRequest` and `$/progress` work per node exactly as for
// any client) and the node's `initialize`, sent once with the client's credentials. A link is
// opened on first use and dropped when its channel closes or its node is lost; in-flight
// requests then fail with `Unavailable` (`node-lost` or `link-closed`), never hang.
import {
  ErrorCode,
  type InitializeParams,
  type InitializeResult,
  isOrchflowError,
  isOrchflowLocalError,
  OrchflowError,
  type RequestOptions,
  RpcPeer,
} from '@orchflow/protocol';
import { pacedChannel } from './backlog';
import { nodeLost, unavailable } from './errors';
import type { ClusterLinks } from './links';

/** What a link reports to the router. */
export interface NodeLinkHooks {
  /** A notification from the node (output, exits, activity, alerts…). */
  notification(nodeId: string, method: string, params: unknown): void;
  /** The link's channel closed (by the node, the transport, or `markLost`/`close`). */
  closed(link: NodeLink): void;
  /** Protocol problems on the link (malformed messages); must not throw. */
  error?(error: Error): void;
  /**
   * True when the router runs in the caller's own process (`OrchflowClient.nats`): a session to a
   * node that closes mid-request is then the caller's own connection loss and fails with
   * `ChannelClosed` (outcome unknown), as over any transport. A gateway answers `Unavailable`
   * (`link-closed`, retryable): its caller's connection is fine.
   */
  readonly local?: boolean;
  /**
   * Undefined while the router's reader keeps up; else a promise that resolves once it caught up.
   * The link reads its node only then (see backlog.ts).
   */
  pace?(): Promise<void> | undefined;
}

/** An initialized session to one node. */
export class NodeLink {
  /** Resolves with the node's `initialize` result; rejects when the node cannot be used. */
  readonly ready: Promise<InitializeResult>;
  private peer: RpcPeer | undefined;
  private lost = false;
  private ended = false;
  private initialized = false;
  /** Calls with a deadline in flight: the link reads on while there are any (see `paced`). */
  private urgent = 0;
  /** Ends a paced wait early (an urgent call started). */
  private unpace: (() => void) | undefined;

  constructor(
    readonly nodeId: string,
    links: ClusterLinks,
    init: InitializeParams,
    private readonly hooks: NodeLinkHooks,
    connectTimeoutMs: number,
  ) {
    this.ready = this.connect(links, init, connectTimeoutMs);
    // Callers see a failed connect through `ready` or `call`; it must not be an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  /** True once the node was declared lost or the link closed: open a new link to reach it. */
  get usable(): boolean {
    return !this.lost && !this.ended;
  }

  /** True once the node answered `initialize` and the link is still usable. */
  get connected(): boolean {
    return this.initialized && this.usable;
  }

  /** True once the node was declared lost. */
  get isLost(): boolean {
    return this.lost;
  }

  /** Calls `method` on the node; failures of the link become `Unavailable`. */
  async call<R = unknown>(
    method: string,
    params: unknown,
    options: RequestOptions = {},
    /** The caller waits for the answer with a deadline (fan-out): read on until it came. */
    urgent = false,
  ): Promise<R> {
    await this.ready;
    const peer = this.peer as RpcPeer;
    // An answer with a deadline (a listing's, a bulk control's) may sit behind output the router's
    // reader has not taken: read on until it came, or the node would look unreachable. The node's
    // flow window still bounds what that lets through.
    const timed = urgent || (options.timeoutMs ?? 0) > 0;
    if (timed) {
      this.urgent++;
      this.unpace?.();
    }
    try {
      return (await peer.request(method, params as never, { timeoutMs: 0, ...options })) as R;
    } catch (error) {
      throw this.translate(error);
    } finally {
      if (timed) this.urgent--;
    }
  }

  /**
   * Undefined while the link must read on: before `initialize` was answered, or while a call with
   * a deadline waits for its answer; else the router's pace (backlog.ts).
   */
  private paced(): Promise<void> | undefined {
    if (!this.initialized || this.urgent > 0) return undefined;
    const full = this.hooks.pace?.();
    if (!full) return undefined;
    return new Promise<void>((resolve) => {
      this.unpace = resolve;
      void full.then(resolve);
    }).finally(() => {
      this.unpace = undefined;
    });
  }

  /** The node is gone: fail everything in flight with `Unavailable` (`node-lost`) and close. */
  markLost(): void {
    this.lost = true;
    void this.close();
  }

  /** Closes the session (the node ends it like a vanished client's). */
  async close(): Promise<void> {
    this.ended = true;
    await this.peer?.close();
  }

  private async connect(
    links: ClusterLinks,
    init: InitializeParams,
    timeoutMs: number,
  ): Promise<InitializeResult> {
    const opening = links.open(this.nodeId);
    const channel = await withTimeout(opening, timeoutMs, () =>
      unavailable(
        'node-unreachable',
        `Cluster node '${this.nodeId}' did not accept a session within ${timeoutMs} ms`,
        {
          nodeId: this.nodeId,
        },
      ),
    ).catch((error: unknown) => {
      this.ended = true;
      // A session that opens after the timeout is not wanted any more.
      opening.then(
        (late) => late.close(),
        () => undefined,
      );
      throw this.lost ? nodeLost(this.nodeId) : asUnreachable(this.nodeId, error);
    });
    const peer = new RpcPeer(this.hooks.pace ? pacedChannel(channel, () => this.paced()) : channel, {
      defaultTimeoutMs: 0,
      onUnhandledNotification: (method, params) => this.hooks.notification(this.nodeId, method, params),
      onClose: () => {
        this.ended = true;
        this.hooks.closed(this);
      },
      onError: (error) => this.hooks.error?.(error),
    });
    this.peer = peer;
    if (this.lost || this.ended) {
      await peer.close();
      throw this.lost ? nodeLost(this.nodeId) : this.translate(new Error('closed'));
    }
    try {
      const result = (await peer.request('initialize', init, { timeoutMs })) as InitializeResult;
      this.initialized = true;
      return result;
    } catch (error) {
      await peer.close();
      throw this.translate(error);
    }
  }

  private translate(error: unknown): unknown {
    if (this.lost) return nodeLost(this.nodeId);
    if (isOrchflowLocalError(error) && error.code === ErrorCode.ChannelClosed) {
      if (this.hooks.local) {
        return new OrchflowError(
          ErrorCode.ChannelClosed,
          `The connection to cluster node '${this.nodeId}' closed before the answer came (the outcome is unknown)`,
          { nodeId: this.nodeId, reason: 'link-closed' },
        );
      }
      return unavailable(
        'link-closed',
        `The session to cluster node '${this.nodeId}' closed before the answer came (the outcome is unknown); retry`,
        { nodeId: this.nodeId },
      );
    }
    if (isOrchflowLocalError(error) && error.code === ErrorCode.Timeout) {
      return unavailable('node-unreachable', `Cluster node '${this.nodeId}' did not answer in time`, {
        nodeId: this.nodeId,
      });
    }
    return error;
  }
}

function asUnreachable(nodeId: string, error: unknown): unknown {
  if (isOrchflowError(error)) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return unavailable('node-unreachable', `Cannot open a session to cluster node '${nodeId}': ${detail}`, {
    nodeId,
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
