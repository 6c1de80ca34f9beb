// `orchflow serve --http PORT --metrics`: the Prometheus scrape on the HTTP listener, announced
// in the start-up line, open to loopback and to --metrics-token; the flags' misuse is refused.
// Run from source through tsx; the generous timeout is for a loaded machine, not a clock wait.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runCli, spawnCli, waitForStderr } from './cli-run';

const METRICS_TOKEN = 'cli-metrics-token-0123456789';

describe('serve --metrics', { timeout: 90_000 }, () => {
  it('needs --http, and --metrics-token needs --metrics; --help documents both', async () => {
    const alone = await runCli(['serve', '--metrics', '--ws', '0']);
    expect(alone.code).toBe(1);
    expect(alone.stderr).toContain('--metrics serves /metrics on the HTTP listener: pass --http PORT too');
    const token = await runCli(['serve', '--http', '0', '--metrics-token', METRICS_TOKEN]);
    expect(token.code).toBe(1);
    expect(token.stderr).toContain('--metrics-token lets a scraper in to /metrics: pass --metrics too');
    const help = await runCli(['serve', '--help']);
    expect(help.stdout).toContain('--metrics ');
    expect(help.stdout).toContain('--metrics-token <token>');
  });

  it('serves /metrics and announces it, with the recorder counters under --record', async () => {
    const recordings = mkdtempSync(join(tmpdir(), 'orchflow-cli-metrics-'));
    onTestFinished(() => rmSync(recordings, { recursive: true, force: true }));
    const server = spawnCli([
      'serve',
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
    const exited = new Promise((resolve) => server.once('close', resolve));
    onTestFinished(async () => {
      server.kill('SIGTERM');
      await exited;
    });
    const stderr = await waitForStderr(server, '"listening"');
    const line = JSON.parse(stderr.split('\n').find((text) => text.includes('"listening"')) ?? '') as {
      listeners: { transport: string; address?: string }[];
    };
    const address = line.listeners.find((l) => l.transport === 'metrics (prometheus)')?.address;
    expect(address).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const scrape = await fetch(address as string);
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
