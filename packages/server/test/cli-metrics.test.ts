// `orchflow serve --http PORT --metrics`: the Prometheus scrape on the HTTP listener, announced
// in the start-up line, open to loopback and to --metrics-token; the flags' misuse is refused.
// Run from source through tsx; the generous timeout is for a loaded machine, not a clock wait.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { listenerAddress, runCli, serveCli } from './cli-run';

const METRICS_TOKEN = 'cli-metrics-token-0123456789';
const ADMIN_TOKEN = 'cli-metrics-admin-token-0123456789abcdef';

/** Starts `orchflow serve --http 0 --metrics ...extra` and resolves with the /metrics URL. */
async function startMetrics(extra: string[]): Promise<string> {
  const { listening } = await serveCli(['--http', '0', '--metrics', ...extra, '--log-format', 'json']);
  return listenerAddress(listening, 'metrics (prometheus)');
}

const scrape = (url: string, token?: string) =>
  fetch(url, token ? { headers: { Authorization: `Bearer ${token}` } } : {});

describe('serve --metrics', { timeout: 90_000 }, () => {
  it('needs --http, and --metrics-token needs --metrics; --help documents both', async () => {
    const alone = await runCli(['serve', '--metrics', '--ws', '0']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--metrics serves /metrics on the HTTP listener: pass --http PORT too');
    const token = await runCli(['serve', '--http', '0', '--metrics-token', METRICS_TOKEN]);
    expect(token.code).toBe(2);
    expect(token.stderr).toContain('--metrics-token lets a scraper in to /metrics: pass --metrics too');
    const help = await runCli(['serve', '--help']);
    expect(help.stdout).toContain('--metrics ');
    expect(help.stdout).toContain('--metrics-token <token>');
    expect(help.stdout).toContain('--metrics-auth <mode>');
  });

  it('refuses a bad --metrics-auth, or one without --metrics, with exit status 2', async () => {
    const bad = await runCli(['serve', '--http', '0', '--metrics', '--metrics-auth', 'open']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--metrics-auth must be token or loopback, not 'open'");
    const alone = await runCli(['serve', '--http', '0', '--metrics-auth', 'token']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--metrics-auth says who may scrape /metrics: pass --metrics too');
  });

  it('with --token, a loopback scrape needs a token too, unless --metrics-auth loopback', async () => {
    // Tokens configured: any process on the machine (an agent's command) is refused without one.
    const locked = await startMetrics(['--token', ADMIN_TOKEN, '--metrics-token', METRICS_TOKEN]);
    expect((await scrape(locked)).status).toBe(401);
    expect((await scrape(locked, METRICS_TOKEN)).status).toBe(200);
    expect((await scrape(locked, ADMIN_TOKEN)).status).toBe(200);
    const open = await startMetrics(['--token', ADMIN_TOKEN, '--metrics-auth', 'loopback']);
    expect((await scrape(open)).status).toBe(200);
    // And without configured tokens (a generated one), --metrics-auth token asks for it too.
    const strict = await startMetrics(['--metrics-auth', 'token', '--metrics-token', METRICS_TOKEN]);
    expect((await scrape(strict)).status).toBe(401);
    expect((await scrape(strict, METRICS_TOKEN)).status).toBe(200);
  });

  it('serves /metrics and announces it, with the recorder counters under --record', async () => {
    const recordings = mkdtempSync(join(tmpdir(), 'orchflow-cli-metrics-'));
    onTestFinished(() => rmSync(recordings, { recursive: true, force: true }));
    const { listening } = await serveCli([
      '--http',
      '0',
      '--record',
      recordings,
      '--metrics',
      '--metrics-token',
      METRICS_TOKEN,
      '--log-format',
      'json',
    ]);
    const address = listenerAddress(listening, 'metrics (prometheus)');
    expect(address).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const scrape = await fetch(address);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toContain('text/plain');
    const text = await scrape.text();
    expect(text).toContain('# TYPE orchflow_command_duration_seconds histogram');
    expect(text).toContain('orchflow_process_resident_memory_bytes');
    expect(text).toContain('# TYPE orchflow_recordings_active gauge');
    expect(
      (await fetch(address as string, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } })).status,
    ).toBe(200);
  });
});
