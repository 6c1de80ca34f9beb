// An MCP HTTP handler on a plain node:http server whose requests carry one of two tokens'
// principals, chosen by the `x-who` header (the server's auth would set them), with raw
// 2025-era `initialize` and `tools/list` requests; shut down when the test ends.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';
import { createMcpHttpHandler, createMcpServer, directConnector, type OrchflowMcpOptions } from '../src';
import { orchestrator } from './helpers';

/** The two tokens' principals. */
export const PRINCIPALS = {
  alice: { kind: 'agent', name: 'alice', agentIdPrefix: 'alice' },
  mallory: { kind: 'agent', name: 'mallory', agentIdPrefix: 'mallory' },
} as const;
/** Whose token a request carries. */
export type Who = keyof typeof PRINCIPALS;

/** Headers of a Streamable HTTP POST. */
export const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** The handler's URL and raw requests to it; `options` size the session table. */
export async function twoTokenHandler(options: Omit<OrchflowMcpOptions, 'connect'>) {
  const orch = await orchestrator();
  const mcp = createMcpServer({ connect: directConnector(orch), ...options });
  const handler = createMcpHttpHandler(mcp);
  const http = createServer((req, res) => void handler(req, res, PRINCIPALS[req.headers['x-who'] as Who]));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  onTestFinished(async () => {
    await handler.close();
    await new Promise((resolve) => http.close(resolve));
    await mcp.close();
    await orch.shutdown();
  });
  /** A 2025-era `initialize` as `who`: its status, body and session id. */
  const initializeAs = async (who: Who, name: string) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...HEADERS, 'x-who': who },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name, version: '1' } },
      }),
    });
    const text = await response.text();
    return { status: response.status, text, session: response.headers.get('mcp-session-id') ?? '' };
  };
  /** The status of `tools/list` in 2025-era session `session` as `who`. */
  const listTools = async (who: Who, session: string) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...HEADERS, 'x-who': who, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }),
    });
    await response.body?.cancel();
    return response.status;
  };
  return { url, initializeAs, listTools };
}
