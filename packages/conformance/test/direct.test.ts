// The suite over the simplest transport there is, an in-process DirectChannel pair served with
// `serveChannel`: proves the package runs on its own, as a custom transport's author will run it.
import { DirectChannel } from '@orchflow/protocol';
import { channelTransport, runConformance } from '../src/index';

runConformance([
  channelTransport('direct-pair', () => {
    const [client, server] = DirectChannel.pair();
    return { client, server };
  }),
]);
