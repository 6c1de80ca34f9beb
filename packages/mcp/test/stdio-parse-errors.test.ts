// MCP over stdio, lines that are not MCP's JSON-RPC: the SDK's reader drops them without an answer,
// so a client with a framing bug waited forever. Each now gets JSON-RPC's error response (-32700
// not JSON, -32600 not a valid message, with the request's id when it has one) and one short
// report, and the connection goes on serving.
import { PassThrough } from 'node:stream';
import type { Orchestrator } from '@orchflow/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMcpServer, directConnector, serveMcpStdio } from '../src';
import { orchestrator } from './helpers';

describe('orchflow MCP over stdio, lines that are not JSON-RPC', { timeout: 60_000 }, () => {
  let orch: Orchestrator;
  beforeAll(async () => {
    orch = await orchestrator();
  }, 60_000);
  afterAll(async () => {
    await orch?.shutdown();
  }, 60_000);

  /** A stdio connection on in-memory streams: what it writes, parsed, and what it reported. */
  function connect() {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const reports: string[] = [];
    const mcp = createMcpServer({ connect: directConnector(orch) });
    const handle = serveMcpStdio(mcp, { stdin, stdout, onError: (error) => reports.push(error.message) });
    const messages: { id?: unknown; result?: unknown; error?: { code: number; message: string } }[] = [];
    let buffered = '';
    stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let end = buffered.indexOf('\n'); end !== -1; end = buffered.indexOf('\n')) {
        messages.push(JSON.parse(buffered.slice(0, end)));
        buffered = buffered.slice(end + 1);
      }
    });
    const until = async (ok: () => boolean) => {
      const deadline = Date.now() + 20_000;
      while (!ok() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(ok()).toBe(true);
    };
    const close = async () => {
      await handle.close();
      await mcp.close();
    };
    return { stdin, messages, reports, until, close };
  }

  it('answers each bad line, reports it briefly, and keeps serving', async () => {
    const { stdin, messages, reports, until, close } = connect();
    stdin.write(
      `${JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      })}\n`,
    );
    await until(() => messages.some((m) => m.id === 0));
    // Not JSON (a truncated request), split across writes; a blank line (ignored, as by the SDK);
    // JSON that is not a message; a request with a key MCP does not allow (its id is answered).
    stdin.write('{"jsonrpc":"2.0","id":5,');
    stdin.write('"method":"tools/list"\r\n\n');
    stdin.write('{"foo":1}\n');
    stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list', extra: true })}\n`);
    stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/list' })}\n`);
    await until(() => messages.some((m) => m.id === 8));
    await until(() => messages.filter((m) => m.error).length >= 3);

    const errors = messages.filter((m) => m.error);
    expect(errors.map((m) => [m.id, m.error?.code])).toEqual([
      [null, -32700],
      [null, -32600],
      [7, -32600],
    ]);
    expect(errors[0]?.error?.message).toMatch(/not JSON/);
    expect(errors[2]?.error?.message).toMatch(/extra/);
    expect(reports).toHaveLength(3);
    expect(reports[0]).toMatch(/ignored a line that is not JSON .*"id\\":5.*one JSON-RPC message per line/);
    expect(reports[1]).toMatch(/not JSON-RPC 2\.0 .*jsonrpc.*\{\\"foo\\":1\}/);
    // One line each, not the schema's dump of every union branch.
    for (const report of reports) expect(report).not.toContain('\n');
    // The good request after them is served.
    expect(messages.find((m) => m.id === 8)?.result).toMatchObject({ tools: expect.any(Array) });
    await close();
  });

  it('does not check a line over the SDK read buffer (the SDK closes the connection over it)', async () => {
    const { stdin, reports, close } = connect();
    stdin.write(`{"pad":"${'x'.repeat(11 * 2 ** 20)}`);
    stdin.write('"}\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(reports.filter((r) => r.includes('not JSON'))).toEqual([]);
    await close();
  });
});
