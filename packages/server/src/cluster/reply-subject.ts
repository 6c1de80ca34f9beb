// Where a node may answer a request. NATS lets a publisher name any reply subject, and the node
// publishes its answer there with its own NATS permissions: a request whose reply subject is a
// JetStream or KV API subject (`$JS.API.STREAM.PURGE.KV_…`, `$KV.<bucket>.<node>`) would make
// the node act on the cluster's directory for the requester (a purge of the node bucket was shown
// with a node allowed `$JS.API.>`). Clients' replies are inboxes, never `$…` subjects.

/** True when the node may publish its answer to `reply`. */
export function answerable(reply: string | undefined): reply is string {
  return reply !== undefined && reply !== '' && !reply.startsWith('$');
}
