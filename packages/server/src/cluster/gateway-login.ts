// The monitor's login through a cluster gateway (`orchflow serve --cluster … --ui`). The gateway's
// authenticator takes any token as a stand-in to forward, so a login cannot stop there: the token
// is tried on the cluster — an in-process connection initialized with it, like any caller's — and
// the nodes decide. A refusal fails the login (Unauthorized, counted by the login limiter); a
// cluster with no node to ask is Unavailable, never a session nobody vouched for. The session
// still acts as the stand-in (its token is forwarded on each of the page's connections); the
// principal the nodes answered is only what the page is shown (admin controls for an admin).
import { OrchflowClient } from '@orchflow/client';
import { UNVERIFIED_PRINCIPAL } from '@orchflow/client/internal';
import { DirectChannel, ErrorCode, OrchflowError } from '@orchflow/protocol';
import type { LoginVerifier } from '../ui/ui-login';
import type { ClusterGateway } from './gateway';

/** What a login verifier needs from its gateway. */
export type GatewayLoginSource = Pick<ClusterGateway, 'auth' | 'channels' | 'nodes' | 'cluster'>;

/** The monitor's `verifyLogin` for `gateway`: resolves with the principal the nodes answered. */
export function gatewayLoginVerifier(gateway: GatewayLoginSource): LoginVerifier {
  return async (token) => {
    const principal = gateway.auth.lookup(token);
    if (!principal) {
      throw new OrchflowError(
        ErrorCode.Unauthorized,
        "The token is empty; use a token from a node's --tokens",
      );
    }
    if (gateway.nodes().length === 0) throw noNode(gateway.cluster);
    const [clientEnd, serverEnd] = DirectChannel.pair();
    gateway.channels.serve(serverEnd, { principal });
    let client: OrchflowClient;
    try {
      client = await OrchflowClient.fromChannel(clientEnd, { clientInfo: { name: 'monitor-login' } });
    } catch (error) {
      const failure = OrchflowError.from(error);
      if (failure.code !== ErrorCode.Unauthorized) throw failure;
      throw new OrchflowError(
        ErrorCode.Unauthorized,
        `The cluster's nodes did not accept the token (${failure.message}); use a token from a node's --tokens file`,
      );
    }
    const shown = client.principal;
    await client.close().catch(() => undefined);
    // The router's placeholder when every node it knew was out of reach: nobody judged the token.
    if (shown.kind === UNVERIFIED_PRINCIPAL.kind && shown.name === UNVERIFIED_PRINCIPAL.name) {
      throw noNode(gateway.cluster);
    }
    return shown;
  };
}

function noNode(cluster: string): OrchflowError {
  return new OrchflowError(
    ErrorCode.Unavailable,
    `No node of cluster '${cluster}' answered to check the token; start one (orchflow node --nats …) and log in again`,
  );
}
