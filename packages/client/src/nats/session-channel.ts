// The client end of a session with one node: subscribes an inbox, asks the node to open a session
// (`<prefix>.node.<id>.connect` with the token and the inbox), and returns the session as an
// IpcChannel. A node nobody serves fails at once with Unavailable (`reason: 'no-node'`) thanks to
// NATS "no responders". The channel closes when the node closes the session, when the node stays
// silent for the session TTL, and when the NATS connection drops or closes: messages published
// while NATS is away are lost, so the session cannot be trusted after it; the error is Unavailable
// (retryable) and `connectNatsNode` reconnects and resumes streams by offset on a new session.
// The inbox is a plain subject, and whoever opens a session names the inbox the node publishes to:
// a token holder who learned another client's inbox could have a node send that client its own
// session's output, answers and close notice. Nodes name the session on every message
// (`Orchflow-Session`), so a message naming another session is dropped here; a node of an earlier
// version names none, and then nothing is checked.

import type { Msg, NatsConnection, Status } from '@nats-io/transport-node';
import { ChannelClosedError, ErrorCode, OrchflowError } from '@orchflow/protocol/runtime';
import { z } from 'zod';
import { DEFAULT_MAX_MESSAGE_BYTES } from './chunking';
import { loadNats } from './connect';
import { DEFAULT_FLOW_WINDOW_BYTES, MAX_FLOW_WINDOW_BYTES, MIN_FLOW_WINDOW_BYTES } from './flow-window';
import { NatsSessionChannel } from './session-wire';
import { checkNodeId, clusterSubjects, DEFAULT_CLUSTER_NAME, SESSION_HEADER } from './subjects';

/** Default session TTL: a session silent this long is closed (keepalives go every third). */
export const DEFAULT_SESSION_TTL_MS = 60_000;
/** Default time the node has to answer a session-open request. */
export const DEFAULT_SESSION_OPEN_TIMEOUT_MS = 10_000;

/** Options of {@link openNodeSession}. */
export interface NodeSessionOptions {
  /** Node to open the session on. */
  node: string;
  /** Cluster name. Default `orchflow`. */
  cluster?: string;
  /** orchflow token the node checks (its `--tokens` file). */
  token?: string;
  /** How long the node has to answer. Default {@link DEFAULT_SESSION_OPEN_TIMEOUT_MS}. */
  openTimeoutMs?: number;
  /** Largest reassembled message. Default 16 MiB. */
  maxMessageBytes?: number;
  /**
   * Ask the node to send `terminal.output` as binary frames (raw UTF-8 after a small JSON header)
   * instead of JSON text, which spares escaping and parsing the output. Default true; a node that
   * predates it sends JSON, which is read all the same.
   */
  binaryOutput?: boolean;
  /**
   * The session's terminals outlive it until they are killed, as REST terminals do on a single
   * server, instead of waiting out the node's reconnect grace when the session ends. For a
   * gateway's REST requests (each request is a session); default false.
   */
  keepTerminals?: boolean;
  /**
   * Flow control of what the node sends: at most this many bytes unacknowledged by this side's
   * reader (see flow-window.ts), so a reader that falls behind pauses the terminal instead of
   * filling this process's memory. Default {@link DEFAULT_FLOW_WINDOW_BYTES}; `false` turns it off.
   * A node that predates it sends without a window.
   */
  flowWindowBytes?: number | false;
  /**
   * Hears, once per session, that a message of another session arrived on this session's inbox
   * and was dropped (someone opened a session naming this inbox); further ones are dropped without
   * a word. Default: a process warning (`process.emitWarning`).
   */
  onForeignMessage?: (warning: OrchflowError) => void;
}

/** The node's answer to a session-open request. */
const OpenReplySchema = z.union([
  z.object({
    session: z.string().regex(/^[A-Za-z0-9-]{1,64}$/),
    maxPayload: z.number().int().positive(),
    sessionTtlMs: z.number().int().positive().optional(),
    /** The window the node agreed to keep (absent: it sends without one). */
    flowWindow: z.number().int().positive().optional(),
  }),
  z.object({ error: z.object({ code: z.number(), message: z.string(), data: z.unknown().optional() }) }),
]);

/** Opens a session with node `options.node` over `nc`. */
export async function openNodeSession(
  nc: NatsConnection,
  options: NodeSessionOptions,
): Promise<NatsSessionChannel> {
  const nodeId = checkNodeId(options.node);
  const subjects = clusterSubjects(options.cluster ?? DEFAULT_CLUSTER_NAME);
  if (nc.isClosed()) throw new ChannelClosedError('The NATS connection is closed; connect again');
  const window = checkFlowWindow(options.flowWindowBytes);
  const nats = await loadNats();
  // In the connection's inbox namespace, as its own requests' inboxes are: its NATS permissions
  // are likely to allow that one (a node accepts `_INBOX.…` and the prefixes it was given).
  const inbox = nats.createInbox((nc as { options?: { inboxPrefix?: string } }).options?.inboxPrefix);
  let channel: NatsSessionChannel | undefined;
  let accept: ((msg: Msg) => boolean) | undefined;
  // Subscribed before the request goes out (same connection, so the server sees it first).
  const sub = nc.subscribe(inbox, {
    callback: (_error, msg) => {
      if (channel && accept?.(msg)) channel.handle(msg);
    },
  });
  let reply: z.infer<typeof OpenReplySchema>;
  try {
    const body = JSON.stringify({
      token: options.token,
      inbox,
      binaryOutput: options.binaryOutput ?? true,
      ...(options.keepTerminals ? { keepTerminals: true } : {}),
      ...(window === false ? {} : { flowWindow: window }),
    });
    const answer = await nc.request(subjects.connect(nodeId), body, {
      timeout: options.openTimeoutMs ?? DEFAULT_SESSION_OPEN_TIMEOUT_MS,
    });
    reply = OpenReplySchema.parse(answer.json());
  } catch (error) {
    sub.unsubscribe();
    throw openError(error, nodeId);
  }
  if ('error' in reply) {
    sub.unsubscribe();
    throw OrchflowError.fromJson(reply.error);
  }
  accept = ownSession(reply.session, nodeId, options.onForeignMessage ?? processWarning);
  const stopWatching = watchConnection(nc, (reason) => channel?.end(reason, 'client lost NATS'));
  channel = new NatsSessionChannel({
    nc,
    nats,
    peerSubject: subjects.session(nodeId, reply.session),
    maxPayload: Math.min(reply.maxPayload, nc.info?.max_payload ?? reply.maxPayload),
    ttlMs: reply.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS,
    maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    peerName: `node '${nodeId}'`,
    // A quarter of the window: the node never waits long for room while this side keeps reading.
    ackEveryBytes: reply.flowWindow === undefined ? undefined : Math.max(1, Math.floor(reply.flowWindow / 4)),
    onClosed: () => {
      stopWatching();
      sub.unsubscribe();
    },
  });
  return channel;
}

/**
 * A filter of the inbox's messages that keeps those of `session`: a message naming another
 * session is dropped (and reported once). Once one message named the session, the node is known
 * to name it on every message, so one naming none is dropped too; before that (a node of an
 * earlier version names none) nothing is checked.
 */
function ownSession(
  session: string,
  nodeId: string,
  report: (warning: OrchflowError) => void,
): (msg: Msg) => boolean {
  let named = false;
  let reported = false;
  return (msg) => {
    const from = msg.headers?.get(SESSION_HEADER) || undefined;
    if (from === session) {
      named = true;
      return true;
    }
    if (from === undefined && !named) return true;
    if (!reported) {
      reported = true;
      const warning = new OrchflowError(
        ErrorCode.InvalidState,
        `A message of another session arrived on the inbox of this client's session with node '${nodeId}' and was dropped: someone who knows the inbox opened a session naming it. Further ones are dropped without a word; keep others from reading client inboxes with NATS permissions (docs/cluster.md, Security)`,
        { reason: 'foreign-session', nodeId },
      );
      try {
        report(warning);
      } catch {
        // The caller's listener must not break the NATS subscription's delivery.
      }
    }
    return false;
  };
}

/** The default report of a foreign message: a process warning (Node prints it to stderr). */
function processWarning(warning: OrchflowError): void {
  process.emitWarning(warning.message, { type: 'OrchflowWarning', code: 'ORCHFLOW_FOREIGN_SESSION' });
}

function openError(error: unknown, nodeId: string): Error {
  const e = error as Error & { isNoResponders?: () => boolean };
  if (typeof e.isNoResponders === 'function' && e.isNoResponders()) {
    return new OrchflowError(
      ErrorCode.Unavailable,
      `No orchflow node '${nodeId}' is reachable over NATS; start it (orchflow node --name ${nodeId}) or pick a live node`,
      { reason: 'no-node', nodeId },
    );
  }
  if (e?.name === 'TimeoutError' || (e as { cause?: Error }).cause?.name === 'TimeoutError') {
    return new OrchflowError(
      ErrorCode.Unavailable,
      `Node '${nodeId}' did not answer the session request in time; it may be overloaded or NATS may be reconnecting`,
      { reason: 'timeout', nodeId },
    );
  }
  const text = `${e?.message ?? ''} ${(e as { cause?: Error }).cause?.message ?? ''}`;
  if (text.includes('Permissions Violation')) {
    return new OrchflowError(
      ErrorCode.Forbidden,
      `NATS does not let this connection open sessions on node '${nodeId}' (${e.message}); its NATS user needs publish rights on the cluster's subjects (see docs/cluster.md)`,
      { reason: 'nats-permission', nodeId },
      { cause: error },
    );
  }
  if (e instanceof z.ZodError) {
    return new OrchflowError(ErrorCode.InternalError, `Node '${nodeId}' sent a malformed session reply`, {
      nodeId,
    });
  }
  return new OrchflowError(
    ErrorCode.Unavailable,
    `Cannot open a session with node '${nodeId}': ${e?.message ?? String(error)}`,
    { reason: 'nats', nodeId },
    { cause: error },
  );
}

/** Calls `lost` once when the NATS connection drops or closes; returns a stopper. */
export function watchConnection(nc: NatsConnection, lost: (reason: Error) => void): () => void {
  // `status()` returns a QueuedIterator (typed as a plain AsyncIterable), which has `stop()`.
  const status = nc.status() as AsyncIterable<Status> & { stop(): void };
  let stopped = false;
  const fire = (what: string): void => {
    if (stopped) return;
    stopped = true;
    lost(
      new OrchflowError(
        ErrorCode.Unavailable,
        `The NATS connection ${what}; messages may have been lost, so this session ended. Reconnect (OrchflowClient does by default) and resume streams by offset`,
        { reason: 'nats-disconnected' },
      ),
    );
  };
  void (async () => {
    for await (const event of status) {
      if (event.type === 'disconnect' || event.type === 'staleConnection') fire('dropped');
      if (event.type === 'close') fire('closed');
      if (stopped) break;
    }
  })();
  // A closing connection sends its status listeners `close` (above); `nc.closed()` is not used:
  // its callback would stay (holding `lost` and the session) until the connection closes.
  if (nc.isClosed()) queueMicrotask(() => fire('closed'));
  return () => {
    stopped = true;
    status.stop();
  };
}

/** The window to ask for: the option checked (InvalidParams outside the allowed range), or false. */
function checkFlowWindow(value: number | false | undefined): number | false {
  if (value === false) return false;
  const bytes = value ?? DEFAULT_FLOW_WINDOW_BYTES;
  if (!Number.isInteger(bytes) || bytes < MIN_FLOW_WINDOW_BYTES || bytes > MAX_FLOW_WINDOW_BYTES) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      `flowWindowBytes must be a whole number from ${MIN_FLOW_WINDOW_BYTES} to ${MAX_FLOW_WINDOW_BYTES} (or false), not ${value}`,
    );
  }
  return bytes;
}
