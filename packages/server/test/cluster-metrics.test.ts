// Prometheus metrics of an orchflow cluster, from real processes on a real nats-server: an
// `orchflow node --metrics-port 0` serves its orchestrator's scrape (moved by a spawn and a command
// that came through a gateway) plus its identity series, promtool accepts it, and the access rule
// is `serve --metrics`'s; a gateway's `--metrics` serves the live node count and its connections,
// read at scrape time, to the metrics token only; misused flags exit 2 with one line.
import type { ChildProcess } from 'node:child_process';
import { ClusterDirectory } from '@orchflow/client/internal';
import { OrchflowClient } from '@orchflow/client/node';
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseScrape, promtool, sampleSum } from '../../core/test/metrics-scrape';
import { type NodeFlags, runNode } from '../src/cli/node';
import { cliForTest, runCli, tokensFileForTest, waitForStderr } from './cli-run';
import { natsForTest, ncForTest, until } from './cluster-harness';
import { TOKENS } from './transport-harness';

const METRICS_TOKEN = 'cluster-metrics-token-0123456789';

/** Starts `orchflow node …`; resolves with its /metrics URL from the ready line. */
async function startNode(args: string[]): Promise<{ child: ChildProcess; metrics: string }> {
  const child = cliForTest(['node', '--log-format', 'human', ...args]);
  const ready = await waitForStderr(child, 'Ctrl-C to stop');
  const metrics = /; metrics (http:\/\/127\.0\.0\.1:\d+\/metrics);/.exec(ready)?.[1];
  if (!metrics) throw new Error(`no metrics address in the ready line: ${ready}`);
  return { child, metrics };
}

const scrape = (url: string, token?: string) =>
  fetch(url, token ? { headers: { Authorization: `Bearer ${token}` } } : {});

async function samplesOf(url: string, token?: string) {
  const response = await scrape(url, token);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  const text = await response.text();
  return { text, samples: parseScrape(text) };
}

describe('cluster metrics: flags', () => {
  it('refuses misused node metrics flags with InvalidParams, and the CLIs exit 2 with one line', async () => {
    const base: NodeFlags = { nats: 'nats://127.0.0.1:1', backend: 'direct', insecureNoAuth: true };
    const port = { ...base, metricsPort: '0' };
    const cases: [NodeFlags, RegExp][] = [
      [{ ...base, metricsToken: METRICS_TOKEN }, /--metrics-token configures the node's \/metrics listener/],
      [{ ...base, metricsAuth: 'token' }, /--metrics-auth configures .* pass --metrics-port PORT too/],
      [{ ...base, metricsHost: '0.0.0.0' }, /--metrics-host configures/],
      [{ ...base, metricsPort: 'http' }, /--metrics-port must be a port from 0 to 65535/],
      [{ ...base, metricsPort: '70000' }, /--metrics-port must be a port/],
      [{ ...port, metricsToken: 'short' }, /--metrics-token must be at least 16 characters/],
      [{ ...port, metricsAuth: 'open' }, /--metrics-auth must be token or loopback, not 'open'/],
      [{ ...port, metricsAuth: 'token' }, /--metrics-auth token needs a token to scrape with/],
      [{ ...port, metricsHost: '0.0.0.0' }, /--metrics-host 0\.0\.0\.0 is reachable off loopback/],
    ];
    for (const [flags, message] of cases) {
      const error = await runNode(flags).catch((e) => e);
      expect(isOrchflowError(error) && error.code, JSON.stringify(flags)).toBe(ErrorCode.InvalidParams);
      expect(error.message).toMatch(message);
    }
    const gatewayCli = ['serve', '--cluster', 'nats://127.0.0.1:1', '--http', '0', '--metrics'];
    const [node, gateway, short] = await Promise.all([
      runCli([
        'node',
        '--nats',
        'nats://127.0.0.1:1',
        '--insecure-no-auth',
        '--metrics-token',
        METRICS_TOKEN,
      ]),
      runCli([...gatewayCli, '--metrics-auth', 'token']),
      // Refused before the gateway connects to NATS.
      runCli([...gatewayCli, '--metrics-token', 'short']),
    ]);
    expect(node.code).toBe(2);
    expect(node.stderr).toMatch(/^orchflow: --metrics-token configures the node's \/metrics listener/);
    expect(node.stderr.trim().split('\n')).toHaveLength(1);
    expect(gateway.code).toBe(2);
    expect(gateway.stderr).toMatch(/^orchflow: --metrics-auth token with --cluster needs --metrics-token/);
    expect(gateway.stderr.trim().split('\n')).toHaveLength(1);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/^orchflow: --metrics-token must be at least 16 characters long/);
    const help = await runCli(['node', '--help']);
    for (const flag of ['--metrics-port <port>', '--metrics-host <host>', '--metrics-token <token>']) {
      expect(help.stdout).toContain(flag);
    }
  }, 60_000);
});

describe('cluster metrics: nodes and a gateway', () => {
  it('nodes serve their scrape on --metrics-port; the gateway serves live nodes and connections', async () => {
    const nats = await natsForTest();
    const tokens = await tokensFileForTest([
      { token: TOKENS.admin, principal: { kind: 'admin' } },
      { token: TOKENS.alice, principal: { kind: 'agent', name: 'alice', agentIdPrefix: 'alice' } },
    ]);
    const nc = await ncForTest(nats.url);
    const directory = await ClusterDirectory.open(nc, { checkIntervalMs: 100 });
    onTestFinished(() => directory.close());
    const base = ['--nats', nats.url, '--tokens', tokens, '--policy', 'trusted', '--metrics-port', '0'];
    const [n1, n2] = await Promise.all([
      startNode([...base, '--name', 'mx-n1', '--metrics-auth', 'token', '--metrics-token', METRICS_TOKEN]),
      startNode([...base, '--name', 'mx-n2', '--metrics-auth', 'loopback']),
    ]);
    await until(() => directory.nodes().length === 2, 'both nodes announced');

    // The access rule of `serve --metrics`: with --metrics-auth token even loopback needs a token —
    // the metrics token or an admin token of the node's --tokens; an agent's is Forbidden.
    expect((await scrape(n1.metrics)).status).toBe(401);
    expect((await scrape(n1.metrics, 'not-a-token-0123456789abcdef')).status).toBe(401);
    expect((await scrape(n1.metrics, TOKENS.alice)).status).toBe(403);
    expect((await scrape(n1.metrics, TOKENS.admin)).status).toBe(200);
    expect((await scrape(n2.metrics)).status).toBe(200);
    expect((await fetch(n1.metrics.replace(/\/metrics$/, '/v1/terminals'))).status).toBe(404);
    expect((await fetch(n1.metrics, { method: 'POST' })).status).toBe(405);
    const before = (await samplesOf(n1.metrics, METRICS_TOKEN)).samples;
    const spawnsBefore = sampleSum(before, 'orchflow_terminal_spawns_total', { outcome: 'ok' });

    const gatewayChild = cliForTest([
      'serve',
      '--log-format',
      'human',
      '--ws',
      '0',
      '--http',
      '0',
      '--cluster',
      nats.url,
      '--metrics',
      '--metrics-auth',
      'token',
      '--metrics-token',
      METRICS_TOKEN,
    ]);
    const banner = await waitForStderr(gatewayChild, 'policy');
    const ws = /ws:\/\/127\.0\.0\.1:\d+/.exec(banner)?.[0];
    const gatewayMetrics = /(http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(banner)?.[1];
    if (!ws || !gatewayMetrics) throw new Error(`no listeners in the gateway banner: ${banner}`);

    // A spawn and a command through the gateway onto mx-n1 move mx-n1's counters.
    const client = await OrchflowClient.websocket(ws, { token: TOKENS.admin, reconnect: false });
    onTestFinished(() => client.close());
    const terminal = await client.spawnTerminal('metrics-agent', { placement: { node: 'mx-n1' } });
    expect(terminal.id).toMatch(/^mx-n1_/);
    expect(await terminal.execute('echo scraped')).toMatchObject({ stdout: 'scraped\n', exitCode: 0 });
    const after = await samplesOf(n1.metrics, METRICS_TOKEN);
    expect(sampleSum(after.samples, 'orchflow_terminal_spawns_total', { outcome: 'ok' })).toBe(
      spawnsBefore + 1,
    );
    expect(sampleSum(after.samples, 'orchflow_command_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sampleSum(after.samples, 'orchflow_terminals_active')).toBe(1);
    expect(
      sampleSum(after.samples, 'orchflow_cluster_node_info', { node: 'mx-n1', cluster: 'orchflow' }),
    ).toBe(1);
    // Identity only as that one series: no terminal id or command in any label.
    expect(after.text).not.toContain(terminal.id);
    expect(after.text).not.toContain('echo scraped');
    const checked = promtool(after.text);
    expect(checked.status, checked.output).toBe(0);
    const other = await samplesOf(n2.metrics);
    expect(sampleSum(other.samples, 'orchflow_cluster_node_info', { node: 'mx-n2' })).toBe(1);
    expect(sampleSum(other.samples, 'orchflow_terminal_spawns_total')).toBe(0);

    // The gateway: only its metrics token (it cannot verify the nodes' tokens), even from loopback.
    expect(banner).toMatch(/metrics \(prometheus\).*\/metrics/);
    expect((await scrape(gatewayMetrics)).status).toBe(401);
    expect((await scrape(gatewayMetrics, TOKENS.admin)).status).toBe(401);
    const gw = await samplesOf(gatewayMetrics, METRICS_TOKEN);
    expect(sampleSum(gw.samples, 'orchflow_cluster_nodes_live')).toBe(2);
    expect(sampleSum(gw.samples, 'orchflow_gateway_connections_open')).toBeGreaterThanOrEqual(1);
    expect(gw.samples.some((s) => s.name === 'orchflow_process_resident_memory_bytes')).toBe(true);
    expect(gw.samples.some((s) => s.name.startsWith('orchflow_terminal'))).toBe(false);
    const gwChecked = promtool(gw.text);
    expect(gwChecked.status, gwChecked.output).toBe(0);

    // Read at scrape time: a node that leaves and a client that closes show in the next scrape.
    await client.close();
    const exited = new Promise((resolve) => n2.child.once('exit', resolve));
    n2.child.kill('SIGTERM');
    await exited;
    await until(async () => {
      const now = (await samplesOf(gatewayMetrics, METRICS_TOKEN)).samples;
      return (
        sampleSum(now, 'orchflow_cluster_nodes_live') === 1 &&
        sampleSum(now, 'orchflow_gateway_connections_open') === 0
      );
    }, 'the gateway to count one live node and no connection');
  }, 120_000);
});
