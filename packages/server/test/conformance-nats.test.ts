// The conformance suite over `OrchflowClient.nats`: the suite's orchestrator is served as one
// node of a cluster (ClusterNode, terminal ids `conf_…`) on a real nats-server, and each client
// reaches it through the cluster router over NATS, exactly as an application would. A "drop" is
// a real cut of the client's NATS connection (`nc.reconnect()`): the node sessions end, and the
// client reopens them and resumes its streams by offset.

import { connectNats } from '@orchflow/client/internal';
import { OrchflowClient } from '@orchflow/client/node';
import { RECONNECT, runConformance, type TransportCase } from '@orchflow/conformance';
import { onTestFinished } from 'vitest';
import { TokenAuthenticator } from '../src/auth';
import { ClusterNode } from '../src/cluster/node';
import { natsForTest } from './cluster-harness';

const NODE = 'conf';

const nats: TransportCase = {
  name: 'nats',
  resumable: true,
  orchestratorOptions: { terminalIdPrefix: `${NODE}_` },
  start: async (orch, auth) => {
    const server = await natsForTest();
    const node = new ClusterNode({
      nats: { servers: server.url },
      orchestrator: orch,
      nodeId: NODE,
      auth: new TokenAuthenticator({ tokens: [...auth.tokens] }),
    });
    onTestFinished(() => node.stop());
    await node.start();
    return async (token) => {
      // The client's own NATS connection, so the test can cut it under the client.
      const nc = await connectNats({ servers: server.url });
      let resumes = 0;
      const client = await OrchflowClient.nats({
        connection: nc,
        token,
        reconnect: { ...RECONNECT, onReconnected: () => resumes++ },
      }).catch(async (error: unknown) => {
        await nc.close();
        throw error;
      });
      // The client first (its clean close reaches the node), then the connection under it.
      onTestFinished(async () => {
        await client.close();
        await nc.close();
      });
      return { client, drop: () => void nc.reconnect(), resumes: () => resumes };
    };
  },
};

runConformance([nats]);
