// `GET /metrics` on the HTTP listener, as Prometheus meets it: a scrape after real activity over
// REST and SSE (spawn; commands that succeed, fail, time out; a denied one; an output stream) whose
// values match what happened, that `promtool check metrics` accepts and whose labels carry no ids
// or commands; the access rule (loopback without a token, else an admin or the metrics token —
// tested through the token path with the loopback exemption turned off); an embedder's registry;
// and the sample Grafana dashboard, every metric of which a real scrape has.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MetricsPlugin } from '@orchflow/core';
import { ErrorCode } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import { has, parseScrape, promtool, sampleSum } from '../../core/test/metrics-scrape';
import { HttpServer } from '../src/index';
import { startHttp, TOKENS, testAuthenticator, testOrchestrator } from './transport-harness';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const DASHBOARD = join(__dirname, '../../../docs/grafana-dashboard.json');

async function call(
  url: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${TOKENS.admin}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await response.json()) as Record<string, unknown>;
}

async function scrape(url: string, token?: string): Promise<Response> {
  return fetch(`${url}/metrics`, token ? { headers: { Authorization: `Bearer ${token}` } } : {});
}

/** Reads an SSE stream until its text contains `needle`, then closes it. */
async function readStreamUntil(url: string, needle: string): Promise<void> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { Authorization: `Bearer ${TOKENS.admin}` },
    signal: controller.signal,
  });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes(needle)) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  controller.abort();
}

/** Waits until no `http` connection is served (polling the scrape; fails after 10 s). */
async function openConnectionsDrain(url: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const s = parseScrape(await (await scrape(url)).text());
    if (sampleSum(s, 'orchflow_transport_connections_open', { transport: 'http' }) === 0) return;
    if (Date.now() > deadline) throw new Error('http connections stayed open');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('GET /metrics', { timeout: 60_000 }, () => {
  it('serves a scrape of real activity that promtool accepts', async () => {
    const orch = testOrchestrator({ securityPolicy: { deniedCommands: ['rm'] } });
    const { url } = await startHttp({ orchestrator: orch, metrics: true });
    const agent = 'metrics-http-agent';
    const spawned = await call(url, 'POST', '/v1/terminals', { agentId: agent });
    const id = spawned.id as string;
    const commands = ['echo scraped-ok', 'false', 'sleep 5', 'rm -rf /tmp/orchflow-not-there'];
    expect((await call(url, 'POST', `/v1/terminals/${id}/execute`, { command: commands[0] })).exitCode).toBe(
      0,
    );
    expect((await call(url, 'POST', `/v1/terminals/${id}/execute`, { command: commands[1] })).exitCode).toBe(
      1,
    );
    const slow = await call(url, 'POST', `/v1/terminals/${id}/execute`, {
      command: commands[2],
      timeoutMs: 300,
    });
    expect(slow.timedOut).toBe(true);
    const denied = await call(url, 'POST', `/v1/terminals/${id}/execute`, { command: commands[3] });
    expect((denied.error as { code: number }).code).toBe(ErrorCode.PolicyDenied);
    await readStreamUntil(`${url}/v1/terminals/${id}/stream?fromOffset=0`, 'scraped-ok');
    // The SSE stream's connection closes once the server sees the client go.
    await openConnectionsDrain(url);

    const response = await scrape(url);
    expect(response.status).toBe(200);
    const plugin = MetricsPlugin.of(orch) as MetricsPlugin;
    expect(response.headers.get('content-type')).toBe(plugin.contentType);
    const text = await response.text();
    const s = parseScrape(text);
    expect(sampleSum(s, 'orchflow_terminals_active', { backend: 'direct', mode: 'interactive' })).toBe(1);
    expect(sampleSum(s, 'orchflow_terminal_spawns_total', { outcome: 'ok' })).toBe(1);
    for (const exit_class of ['ok', 'error', 'timeout']) {
      expect(sampleSum(s, 'orchflow_command_duration_seconds_count', { exit_class }), exit_class).toBe(1);
    }
    expect(sampleSum(s, 'orchflow_commands_denied_total', { rule: 'deniedCommands[0]: rm' })).toBe(1);
    expect(sampleSum(s, 'orchflow_output_bytes_total')).toBe(orch.outputStats().bytes);
    expect(sampleSum(s, 'orchflow_output_bytes_total')).toBeGreaterThan('scraped-ok'.length);
    // Each REST call is an in-process connection over the `http` transport; all closed by now.
    expect(
      sampleSum(s, 'orchflow_transport_connections_opened_total', { transport: 'http' }),
    ).toBeGreaterThanOrEqual(6);
    expect(sampleSum(s, 'orchflow_transport_connections_open', { transport: 'http' })).toBe(0);
    // Every REST call is a JSON-RPC request on its connection: the execute answers, by outcome.
    const rpc = (outcome: string) =>
      sampleSum(s, 'orchflow_rpc_request_duration_seconds_count', { method: 'terminal.execute', outcome });
    expect(rpc('ok')).toBe(3);
    expect(rpc('error')).toBe(1);
    expect(
      sampleSum(s, 'orchflow_rpc_request_duration_seconds_sum', {
        method: 'terminal.execute',
        outcome: 'ok',
      }),
    ).toBeGreaterThan(0.29);
    expect(has(s, 'orchflow_process_resident_memory_bytes')).toBe(true);
    for (const sample of s) {
      for (const value of Object.values(sample.labels)) {
        for (const bad of [agent, id, ...commands]) expect(value, sample.name).not.toContain(bad);
      }
    }
    const check = promtool(text);
    expect(check.output).toBe('');
    expect(check.status).toBe(0);
  });

  it('without the loopback exemption, needs an admin token or the metrics token', async () => {
    const { url } = await startHttp({ metrics: { allowLoopback: false, token: METRICS_TOKEN } });
    const none = await scrape(url);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(((await none.json()) as { error: { code: number } }).error.code).toBe(ErrorCode.Unauthorized);
    expect((await scrape(url, 'not-a-token-of-this-server')).status).toBe(401);
    const agent = await scrape(url, TOKENS.alice);
    expect(agent.status).toBe(403);
    expect(((await agent.json()) as { error: { code: number } }).error.code).toBe(ErrorCode.Forbidden);
    expect((await scrape(url, TOKENS.viewer)).status).toBe(403);
    for (const token of [METRICS_TOKEN, TOKENS.admin]) {
      const ok = await scrape(url, token);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('orchflow_terminals_active');
    }
  });

  it('lets loopback peers scrape without a token by default', async () => {
    const { url } = await startHttp({ metrics: { token: METRICS_TOKEN } });
    expect((await scrape(url)).status).toBe(200);
    // The metrics token opens /metrics only, not the API.
    const api = await fetch(`${url}/v1/terminals`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(api.status).toBe(401);
  });

  it("serves an embedder's registry, and no /metrics unless asked", async () => {
    const registry = {
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      metrics: async () => '# HELP app_up Whether the app is up.\n# TYPE app_up gauge\napp_up 1\n',
    };
    const { url } = await startHttp({ metrics: registry });
    const response = await scrape(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(await registry.metrics());
    const plain = await startHttp();
    expect((await scrape(plain.url)).status).toBe(404);
  });

  it('refuses bad metrics options with InvalidParams', () => {
    const orchestrator = testOrchestrator();
    for (const metrics of [{ token: 'short' }, { allowLoopback: 'yes' }, { registry: {} }, 5]) {
      let thrown: unknown;
      try {
        new HttpServer({ orchestrator, auth: testAuthenticator(), metrics: metrics as never });
      } catch (error) {
        thrown = error;
      }
      expect((thrown as { code?: number } | undefined)?.code, JSON.stringify(metrics)).toBe(
        ErrorCode.InvalidParams,
      );
    }
  });

  it('the sample Grafana dashboard uses only metrics a real scrape has', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      panels: { targets: { expr: string }[] }[];
    };
    const used = new Set(
      dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/\borchflow_[a-z0-9_]+/g) ?? [])),
    );
    expect(used.size).toBeGreaterThan(10);
    const orch = testOrchestrator();
    const { url } = await startHttp({ orchestrator: orch, metrics: true });
    // Histograms and labelled counters have samples once something happened.
    const spawned = await call(url, 'POST', '/v1/terminals', { agentId: 'dash' });
    await call(url, 'POST', `/v1/terminals/${spawned.id as string}/execute`, { command: 'true' });
    await fetch(`${url}/v1/rpc`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKENS.admin}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '1.0.0' },
      }),
    });
    const names = new Set(parseScrape(await (await scrape(url)).text()).map((s) => s.name));
    const text = await (await scrape(url)).text();
    const declared = new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]));
    for (const name of used) {
      const family = name.replace(/_(bucket|sum|count)$/, '');
      expect(names.has(name) || declared.has(family), name).toBe(true);
    }
  });
});
