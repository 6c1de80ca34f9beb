// The server side of the demo, run in a worker thread: an orchestrator with real terminals,
// served on the MessagePort the main thread handed over. The worker ends when the port closes.
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { Orchestrator, serveChannel } from '@orchflow/core';
import { MessagePortChannel } from './message-port-channel';

// MessagePortChannel checks at runtime that this really is a port.
const { port } = workerData as { port: MessagePort };
const orchestrator = Orchestrator.builder().withMaxTerminals(4).build();
// No authenticate hook: the only peer is our own parent thread, so it gets the default admin
// principal, as an in-process client would. A port reachable by others would check a token here.
const served = serveChannel(orchestrator, new MessagePortChannel(port), {
  transports: ['message-port'],
});
parentPort?.postMessage('ready');
await served.closed;
await orchestrator.shutdown();
