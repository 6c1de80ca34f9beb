// Proves MessagePortChannel is a complete orchflow transport: the repository's transport
// conformance suite (every area) runs the whole client API over it, with the same assertions as
// over orchflow's own transports. Each connection is a fresh MessageChannel; the server end is
// served with serveChannel, the client end wrapped in a ReconnectingChannel (by channelTransport).
import { channelTransport, runConformance } from '@orchflow/conformance';
import { MessagePortChannel } from '../src/message-port-channel';

runConformance([
  channelTransport('message-port', () => {
    const [client, server] = MessagePortChannel.pair();
    return { client, server };
  }),
]);
