// How a node is found besides the KV bucket: `<prefix>.discover` requests (every node answers
// with its announcement) and the discovery part of the NATS micro-services protocol
// (`$SRV.PING|INFO[.orchflow[.<id>]]`), so `nats micro ls` and `nats micro info orchflow` list
// nodes. Only discovery is implemented (no `$SRV.STATS`): @nats-io/services is pre-release only.
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { ClusterSubjects, NodeAnnouncement } from '@orchflow/client/internal';
import { answerable } from './reply-subject';

/** The micro service name nodes use. */
export const MICRO_SERVICE_NAME = 'orchflow';

/** Answers discovery requests with the node's current announcement; returns the subscriptions. */
export function serveDiscovery(
  nc: NatsConnection,
  subjects: ClusterSubjects,
  current: () => NodeAnnouncement,
): Subscription[] {
  const subs: Subscription[] = [];
  const answer = (subject: string, body: () => unknown): void => {
    subs.push(
      nc.subscribe(subject, {
        callback: (_error, msg) => {
          if (answerable(msg.reply)) msg.respond(JSON.stringify(body()));
        },
      }),
    );
  };
  answer(subjects.discover, current);
  const base = (a: NodeAnnouncement) => ({
    name: MICRO_SERVICE_NAME,
    id: a.id,
    version: a.version,
    metadata: {
      cluster: subjects.cluster,
      capacity: String(a.capacity),
      load: String(a.load),
      protocolVersion: a.protocolVersion,
      ...Object.fromEntries(Object.entries(a.labels).map(([k, v]) => [`label.${k}`, v])),
    },
  });
  const ping = () => ({ type: 'io.nats.micro.v1.ping_response', ...base(current()) });
  const info = () => {
    const a = current();
    return {
      type: 'io.nats.micro.v1.info_response',
      ...base(a),
      description: `orchflow node '${a.id}' of cluster '${subjects.cluster}'`,
      endpoints: [
        { name: 'connect', subject: subjects.connect(a.id), metadata: null },
        { name: 'discover', subject: subjects.discover, metadata: null },
      ],
    };
  };
  const id = current().id;
  for (const suffix of ['', `.${MICRO_SERVICE_NAME}`, `.${MICRO_SERVICE_NAME}.${id}`]) {
    answer(`$SRV.PING${suffix}`, ping);
    answer(`$SRV.INFO${suffix}`, info);
  }
  return subs;
}
