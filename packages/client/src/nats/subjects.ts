// The NATS names of an orchflow cluster: every subject lives under `orchflow.<cluster>`, so two
// clusters can share one NATS server (and NATS permissions can lock one cluster's subjects), and
// node ids are single subject tokens without `_`, the separator of cluster terminal ids
// (`<nodeId>_<localId>`). Names are checked here, at the edge, with errors that say what fits.
import { ErrorCode, OrchflowError } from '@orchflow/protocol/runtime';

/** The cluster name used when none is given. */
export const DEFAULT_CLUSTER_NAME = 'orchflow';
/** What a cluster name may look like. */
export const CLUSTER_NAME_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
/** What a node id may look like (no `_`: it separates the node id in terminal ids; no `.`). */
export const NODE_ID_PATTERN = /^[A-Za-z0-9-]{1,48}$/;
/** What a session id may look like (one subject token). */
const SESSION_PATTERN = /^[A-Za-z0-9-]{1,64}$/;

/** Returns `name` if it is a valid cluster name, else throws InvalidParams. */
export function checkClusterName(name: string): string {
  if (typeof name === 'string' && CLUSTER_NAME_PATTERN.test(name)) return name;
  throw new OrchflowError(
    ErrorCode.InvalidParams,
    `Invalid cluster name '${String(name)}': use 1-32 letters, digits, '_' or '-' (default '${DEFAULT_CLUSTER_NAME}')`,
  );
}

/** Returns `id` if it is a valid node id, else throws InvalidParams. */
export function checkNodeId(id: string): string {
  if (typeof id === 'string' && NODE_ID_PATTERN.test(id)) return id;
  throw new OrchflowError(
    ErrorCode.InvalidParams,
    `Invalid node id '${String(id)}': use 1-48 letters, digits or '-' (no '_' or '.'; '_' separates the node in terminal ids)`,
  );
}

/** A node id derived from a host name: invalid characters become '-', trimmed to 48. */
export function nodeIdFromHostname(hostname: string): string {
  const id = hostname
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
  return id === '' ? 'node' : id;
}

/** The node that owns a cluster terminal id (everything before the first `_`), or undefined. */
export function nodeOfTerminal(terminalId: string): string | undefined {
  const cut = terminalId.indexOf('_');
  if (cut <= 0) return undefined;
  const node = terminalId.slice(0, cut);
  return NODE_ID_PATTERN.test(node) ? node : undefined;
}

/** The subjects and bucket of one cluster. */
export interface ClusterSubjects {
  readonly cluster: string;
  /** `orchflow.<cluster>`. */
  readonly prefix: string;
  /** JetStream KV bucket holding the node announcements. */
  readonly bucket: string;
  /** Every node answers a request here with its announcement. */
  readonly discover: string;
  /** Session-open requests to one node. */
  connect(nodeId: string): string;
  /** Client→node messages of one session. */
  session(nodeId: string, session: string): string;
  /** Every session subject of one node (what the node subscribes). */
  sessions(nodeId: string): string;
}

/** The subjects of cluster `cluster` (validated). */
export function clusterSubjects(cluster: string = DEFAULT_CLUSTER_NAME): ClusterSubjects {
  checkClusterName(cluster);
  const prefix = `orchflow.${cluster}`;
  return {
    cluster,
    prefix,
    bucket: `orchflow-${cluster}-nodes`,
    discover: `${prefix}.discover`,
    connect: (nodeId) => `${prefix}.node.${checkNodeId(nodeId)}.connect`,
    session: (nodeId, session) => {
      if (!SESSION_PATTERN.test(session)) {
        throw new OrchflowError(ErrorCode.InvalidParams, `Invalid session id '${session}'`);
      }
      return `${prefix}.node.${checkNodeId(nodeId)}.s.${session}`;
    },
    sessions: (nodeId) => `${prefix}.node.${checkNodeId(nodeId)}.s.*`,
  };
}

/** NATS header carrying `<messageSeq>/<partIndex>/<partCount>` on each part of a split message. */
export const CHUNK_HEADER = 'Orchflow-Chunk';
/** NATS header of an empty keepalive message (value `1`). */
export const KEEPALIVE_HEADER = 'Orchflow-Keepalive';
/** NATS header of an empty message acknowledging the bytes the reader took so far (flow-window.ts). */
export const ACK_HEADER = 'Orchflow-Ack';
/** NATS header of an empty message that ends a session; the value is the reason. */
export const CLOSE_HEADER = 'Orchflow-Close';
/**
 * NATS header naming the session of every message a node publishes to a client's inbox (nodes of
 * earlier versions send none). An inbox is a plain subject that anyone opening a session may name,
 * so this is how a client tells its own session's messages from another session's sent to the
 * same inbox (see session-channel.ts).
 */
export const SESSION_HEADER = 'Orchflow-Session';
