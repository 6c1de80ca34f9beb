// @orchflow/client/internal — what @orchflow/server builds its cluster node and gateway from: the
// cluster router (`ClusterChannel`), NATS sessions with one node, subjects, chunking, flow windows
// and the node directory. Not part of the public API: names and shapes here change without notice
// (the server depends on this package at its exact version). Programs reach a cluster through
// `OrchflowClient.nats` in @orchflow/client/node.

// Cluster router: a whole orchflow cluster as one IpcChannel (placement, routing, fan-out)
export { DEFAULT_ROUTER_BACKLOG_BYTES } from './cluster/backlog';
export {
  ClusterChannel,
  type ClusterChannelOptions,
  DEFAULT_FAN_OUT_TIMEOUT_MS,
  DEFAULT_NODE_CONNECT_TIMEOUT_MS,
} from './cluster/cluster-channel';
export { defaultNodeCapabilities, NODE_DEFAULT_FEATURES, UNVERIFIED_PRINCIPAL } from './cluster/defaults';
export type { ClusterLinkEvent, ClusterLinkNode, ClusterLinks, ClusterNodeInfo } from './cluster/links';
// orchflow cluster over NATS: names, announcements, chunking, sessions with one node, the node
// directory. The NATS client modules are loaded with `import()` only when one of these connects.
export {
  DEFAULT_NODE_TTL_MS,
  isLive,
  MAX_NODE_TTL_MS,
  type NodeAnnouncement,
  NodeAnnouncementSchema,
  parseAnnouncement,
} from './nats/announcement';
export {
  CHUNK_HEADROOM_BYTES,
  ChunkAssembler,
  type ChunkPart,
  COUNTED_WHOLE_MESSAGE_BYTES,
  DEFAULT_MAX_MESSAGE_BYTES,
  type ReassemblyBudget,
  splitMessage,
} from './nats/chunking';
// The router's links to nodes over NATS
export { NatsClusterLinks, type NatsClusterLinksOptions } from './nats/cluster-links';
export {
  connectNats,
  loadNats,
  type NatsConnectOptions,
  NatsConnectOptionsSchema,
  type NatsModule,
  parseNatsOptions,
} from './nats/connect';
export {
  ClusterDirectory,
  type ClusterDirectoryEvents,
  type ClusterDirectoryOptions,
  DEFAULT_BUCKET_CHECK_INTERVAL_MS,
  type NodeLostReason,
  openNodesBucket,
} from './nats/directory';
export {
  AckCounter,
  DEFAULT_FLOW_WINDOW_BYTES,
  MAX_FLOW_WINDOW_BYTES,
  MIN_FLOW_WINDOW_BYTES,
  SendWindow,
} from './nats/flow-window';
export { connectNatsNode, type NatsAuthOptions, type NatsNodeClientOptions } from './nats/node-client';
export {
  DEFAULT_SESSION_OPEN_TIMEOUT_MS,
  DEFAULT_SESSION_TTL_MS,
  type NodeSessionOptions,
  openNodeSession,
  watchConnection,
} from './nats/session-channel';
export { NatsSessionChannel, type NatsSessionChannelOptions } from './nats/session-wire';
export {
  ACK_HEADER,
  CHUNK_HEADER,
  CLOSE_HEADER,
  CLUSTER_NAME_PATTERN,
  type ClusterSubjects,
  checkClusterName,
  checkNodeId,
  clusterSubjects,
  DEFAULT_CLUSTER_NAME,
  KEEPALIVE_HEADER,
  NODE_ID_PATTERN,
  nodeIdFromHostname,
  nodeOfTerminal,
  SESSION_HEADER,
} from './nats/subjects';
