/** Default capacity (terminals) a node announces. */
export const DEFAULT_NODE_CAPACITY = 100;
/**
 * Default sessions a node keeps open at once (`--max-sessions`). A node is shared by every client
 * and gateway of the cluster, and one gateway alone may hold 256 WebSocket connections (its
 * default), each with a session on every node it lists; twice that leaves room for direct clients
 * and REST requests, at ~15 KB of node memory per idle session (~8 MB in all).
 */
export const DEFAULT_NODE_MAX_SESSIONS = 512;
/**
 * Default time a session has, after it opened, to complete `initialize`; past it the session is
 * closed. Clients send `initialize` as soon as the open is answered; this matches the time they
 * give the node to answer the open (`DEFAULT_SESSION_OPEN_TIMEOUT_MS`), so a session whose opener
 * gave up does not hold its slot for a whole session TTL.
 */
export const DEFAULT_NODE_INITIALIZE_TIMEOUT_MS = 10_000;
/**
 * How many of the largest messages (`maxMessageBytes`, 16 MiB by default) a node's sessions may
 * hold at once, all together, arriving or being handled: the node's reassembly budget is this
 * many times `maxMessageBytes` (64 MiB by default). A split message's parts arrive back to back
 * and most large requests (writes) are answered at once, so even a busy node rarely holds more
 * than one at a time; four keeps a few large writes from different clients going while a node
 * with hundreds of sessions never holds gigabytes for them.
 */
export const NODE_REASSEMBLY_MESSAGES = 4;
/**
 * Default time the next part of a split message may take (`partTimeoutMs`); past it the session is
 * closed and the parts it held are dropped. Parts are published back to back, so even a 1 MiB part
 * over a slow link arrives well within it; without it a peer that sends keepalives could hold 15 of
 * 16 parts for good.
 */
export const DEFAULT_NODE_PART_TIMEOUT_MS = 30_000;
