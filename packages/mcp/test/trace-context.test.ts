// A tool call's W3C trace context (`_meta.traceparent`/`tracestate`) travels on in the orchflow
// `terminal.execute` request's `_meta`, where the server makes it the parent of its spans (tested
// in @orchflow/core's tracing tests). Watched on the wire between the MCP server and orchflow.
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { OrchflowClient } from '@orchflow/client';
import { serveChannel } from '@orchflow/core';
import { DirectChannel, type IpcChannel, type JsonRpcMessage } from '@orchflow/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { clientConnector, createMcpServer } from '../src';
import { orchestrator, tempDir } from './helpers';

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An MCP client on an orchflow MCP server whose orchflow connection records what it sends. */
async function watched(): Promise<{ client: Client; sent: JsonRpcMessage[] }> {
  const orch = await orchestrator();
  cleanups.push(() => orch.shutdown());
  const sent: JsonRpcMessage[] = [];
  const mcp = createMcpServer({
    connect: clientConnector(async () => {
      const [serverEnd, clientEnd] = DirectChannel.pair();
      serveChannel(orch, serverEnd);
      const spy: IpcChannel = {
        send: (message) => {
          sent.push(message);
          return clientEnd.send(message);
        },
        receive: () => clientEnd.receive(),
        close: () => clientEnd.close(),
        get closed() {
          return clientEnd.closed;
        },
        [Symbol.asyncIterator]: () => clientEnd[Symbol.asyncIterator](),
      };
      return OrchflowClient.fromChannel(spy);
    }),
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const server = mcp.createServer();
  await server.connect(serverSide);
  const client = new Client({ name: 'traced-agent', version: '1.0.0' });
  await client.connect(clientSide);
  cleanups.push(
    () => mcp.close(),
    () => server.close(),
    () => client.close(),
  );
  return { client, sent };
}

const executeMeta = (sent: JsonRpcMessage[]): unknown[] =>
  sent
    .filter((m) => 'method' in m && m.method === 'terminal.execute')
    .map((m) => ((m as { params?: { _meta?: Record<string, unknown> } }).params?._meta ?? {}) as unknown)
    .map((meta) => {
      const { progressToken: _token, ...rest } = meta as Record<string, unknown>;
      return rest;
    });

describe('terminal_run and trace context', () => {
  it("forwards the call's traceparent and tracestate to the execute request", async () => {
    const { client, sent } = await watched();
    const result = await client.callTool({
      name: 'terminal_run',
      arguments: { command: 'echo traced', cwd: tempDir() },
      _meta: { traceparent, tracestate: 'vendor=1', unrelated: 'x' },
    });
    expect(result.isError).toBeFalsy();
    expect(executeMeta(sent).at(-1)).toEqual({ traceparent, tracestate: 'vendor=1' });
  });

  it('sends no trace context when the call had none', async () => {
    const { client, sent } = await watched();
    await client.callTool({ name: 'terminal_run', arguments: { command: 'echo plain', cwd: tempDir() } });
    expect(executeMeta(sent).at(-1)).toEqual({});
  });
});
