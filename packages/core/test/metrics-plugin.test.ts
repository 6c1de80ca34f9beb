// The MetricsPlugin measured against real activity: spawns (ok, invalid, over quota), commands
// that succeed, fail, time out or die by a signal, a denied command, audit appends, output bytes,
// stream subscribers, gaps and flow-control pauses, connections — each value read back from a real
// scrape, which `promtool check metrics` accepts, and whose labels never carry ids or commands.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@orchflow/protocol';
import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { packagesReached } from '../../terminal/test/import-graph';
import { MetricsPlugin, Orchestrator, RecordingPlugin } from '../src/index';
import { expectCode, rejection, waitFor } from './helpers';
import { has, parseScrape, promtool, sampleSum } from './metrics-scrape';

let orch: Orchestrator | undefined;
afterEach(async () => {
  await orch?.shutdown();
  orch = undefined;
});

const dir = () => mkdtempSync(join(tmpdir(), 'orchflow-metrics-'));

describe('MetricsPlugin', () => {
  it('is what loads prom-client, not importing @orchflow/core (~4.6 MB and ~40 ms a process saves)', () => {
    expect(packagesReached(join(__dirname, '../src/index.ts')).has('prom-client')).toBe(false);
    // The walk does reach what core imports at load time.
    expect(packagesReached(join(__dirname, '../src/index.ts')).has('eventemitter3')).toBe(true);
  });

  it('counts real activity, and promtool accepts the scrape', async () => {
    const agent = 'metrics-agent-7f3a';
    orch = Orchestrator.builder()
      .withMetrics()
      .withMaxTerminals(3)
      .withSecurityPolicy({ deniedCommands: ['rm'] })
      .withAuditLog(join(dir(), 'audit.jsonl'))
      .build();
    await orch.ready();
    const plugin = MetricsPlugin.of(orch);
    expect(plugin).toBeDefined();
    const cwd = dir();
    const shell = await orch.spawnTerminal(agent, { cwd });
    const pipes = await orch.spawnTerminal(agent, { cwd, mode: 'scripted' });
    const small = await orch.spawnTerminal(agent, { cwd, scrollbackBytes: 1024 });
    expectCode(await rejection(orch.spawnTerminal(agent, { cwd })), ErrorCode.QuotaExceeded);
    expectCode(await rejection(orch.spawnTerminal(agent, { cols: -1 })), ErrorCode.InvalidParams);

    const commands = ['echo metrics-ok', 'false', 'sleep 5', 'rm -rf /tmp/orchflow-nothing-here'];
    expect((await shell.execute(commands[0] as string)).exitCode).toBe(0);
    expect((await shell.execute(commands[1] as string)).exitCode).toBe(1);
    expect((await shell.execute(commands[2] as string, { timeoutMs: 300 })).timedOut).toBe(true);
    expect((await pipes.execute('kill -TERM $$')).signal).toBe('SIGTERM');
    expectCode(await rejection(shell.execute(commands[3] as string)), ErrorCode.PolicyDenied);

    // A gap: the 1 KiB scrollback rotated before this subscriber asked for offset 0.
    await small.execute('head -c 6000 /dev/zero | tr "\\0" x');
    const events: string[] = [];
    const reader = orch.subscribeOutput(small.id, { fromOffset: 0 }, (e) => events.push(e.type));
    await waitFor(() => events.includes('gap'), 'the gap notice');
    // A flow-control pause: a manual-ack subscriber that never acks holds the shell back.
    const held = orch.subscribeOutput(shell.id, { manualAck: true, highWaterMark: 4096 }, () => undefined);
    const flood = shell.execute('head -c 200000 /dev/zero | tr "\\0" y');
    await waitFor(() => orch?.outputStats().flowControlPauses === 1, 'flow control to pause the shell');
    const during = parseScrape(await (plugin as MetricsPlugin).metrics());
    expect(sampleSum(during, 'orchflow_stream_subscribers')).toBe(2);
    held.dispose();
    reader.dispose();
    await flood;

    const client = await orch.connect();
    await client.close();
    await orch.kill(pipes.id);
    const text = await (plugin as MetricsPlugin).metrics();
    const s = parseScrape(text);

    expect(sampleSum(s, 'orchflow_terminals_active', { backend: 'direct', mode: 'interactive' })).toBe(2);
    expect(has(s, 'orchflow_terminals_active', { mode: 'scripted' })).toBe(false);
    expect(sampleSum(s, 'orchflow_terminal_spawns_total', { outcome: 'ok' })).toBe(3);
    expect(sampleSum(s, 'orchflow_terminal_spawns_total', { outcome: 'quota' })).toBe(1);
    expect(sampleSum(s, 'orchflow_terminal_spawns_total', { outcome: 'invalid' })).toBe(1);
    expect(sampleSum(s, 'orchflow_terminal_exits_total', { outcome: 'signal' })).toBe(1);
    const count = (exit_class: string) =>
      sampleSum(s, 'orchflow_command_duration_seconds_count', { exit_class });
    expect(count('ok')).toBe(3); // echo, the two floods
    expect(count('error')).toBe(1);
    expect(count('timeout')).toBe(1);
    expect(count('signal')).toBe(1);
    // The timed-out command ran at least its 300 ms.
    expect(sampleSum(s, 'orchflow_command_duration_seconds_sum', { exit_class: 'timeout' })).toBeGreaterThan(
      0.29,
    );
    expect(sampleSum(s, 'orchflow_commands_denied_total', { rule: 'deniedCommands[0]: rm' })).toBe(1);
    // Every admitted command appends a decision and an end; the denial its decision.
    expect(sampleSum(s, 'orchflow_audit_write_duration_seconds_count', { outcome: 'ok' })).toBe(13);
    expect(sampleSum(s, 'orchflow_stream_gaps_total')).toBe(1);
    expect(sampleSum(s, 'orchflow_flow_control_pauses_total')).toBe(1);
    expect(sampleSum(s, 'orchflow_stream_subscribers')).toBe(0);
    expect(sampleSum(s, 'orchflow_transport_connections_opened_total', { transport: 'direct' })).toBe(1);
    expect(sampleSum(s, 'orchflow_transport_connections_open', { transport: 'direct' })).toBe(0);
    // Output bytes are the terminals' own totals (the killed one's included): > 206 000 flooded.
    const bytes = sampleSum(s, 'orchflow_output_bytes_total');
    expect(bytes).toBe(orch.outputStats().bytes);
    expect(bytes).toBeGreaterThan(206_000);
    expect(has(s, 'orchflow_process_cpu_user_seconds_total')).toBe(true);

    // No label value names a terminal, an agent or a command.
    const forbidden = [agent, shell.id, pipes.id, small.id, ...commands, 'head -c'];
    for (const sample of s) {
      for (const value of Object.values(sample.labels)) {
        for (const bad of forbidden) expect(value, `${sample.name} ${value}`).not.toContain(bad);
      }
    }
    const check = promtool(text);
    expect(check.output).toBe('');
    expect(check.status).toBe(0);
  }, 60_000);

  it("registers into an embedder's own registry, next to their metrics", async () => {
    const registry = new Registry();
    const mine = new Counter({ name: 'app_jobs_total', help: 'Jobs.', registers: [registry] });
    mine.inc(2);
    orch = new Orchestrator({ metrics: { registry } });
    await orch.ready();
    const term = await orch.spawnTerminal('embedder', { cwd: dir() });
    await term.execute('true');
    const s = parseScrape(await registry.metrics());
    expect(sampleSum(s, 'app_jobs_total')).toBe(2);
    expect(sampleSum(s, 'orchflow_command_duration_seconds_count', { exit_class: 'ok' })).toBe(1);
    // Node's default metrics only when asked for with a registry of one's own.
    expect(s.some((x) => x.name.startsWith('orchflow_process_'))).toBe(false);
    expect(MetricsPlugin.of(orch)?.registry).toBe(registry);
    // A second plugin on the same registry is refused, not half-registered.
    expectCode(
      await rejection(
        Promise.resolve().then(() => new MetricsPlugin({ registry }).attach(orch as Orchestrator)),
      ),
      ErrorCode.InvalidState,
    );
    expect(sampleSum(parseScrape(await registry.metrics()), 'orchflow_command_duration_seconds_count')).toBe(
      1,
    );
    // Detached, its metrics leave the registry; the embedder's stay.
    MetricsPlugin.of(orch)?.detach();
    const after = parseScrape(await registry.metrics());
    expect(after.some((x) => x.name.startsWith('orchflow_'))).toBe(false);
    expect(sampleSum(after, 'app_jobs_total')).toBe(2);
  }, 30_000);

  it("exports a RecordingPlugin's counters when given one", async () => {
    const recording = new RecordingPlugin({ dir: dir() });
    orch = Orchestrator.builder().withPlugin(recording).withMetrics({ recording }).build();
    await orch.ready();
    const term = await orch.spawnTerminal('recorded', { cwd: dir(), recording: true });
    await term.execute('echo recorded');
    await orch.kill(term.id);
    const s = parseScrape(await (MetricsPlugin.of(orch) as MetricsPlugin).metrics());
    const stats = recording.stats();
    expect(stats.finished).toBe(1);
    expect(sampleSum(s, 'orchflow_recordings_finished_total')).toBe(1);
    expect(sampleSum(s, 'orchflow_recordings_active')).toBe(0);
    expect(sampleSum(s, 'orchflow_recording_failures_total')).toBe(0);
    expect(sampleSum(s, 'orchflow_recording_written_bytes_total')).toBe(stats.bytesWritten);
    expect(stats.bytesWritten).toBeGreaterThan(0);
  }, 30_000);

  it('refuses bad options with InvalidParams', () => {
    expectCode(
      catching(() => new MetricsPlugin({ recording: {} as never })),
      ErrorCode.InvalidParams,
    );
    expectCode(
      catching(() => new MetricsPlugin({ registry: {} as Registry })),
      ErrorCode.InvalidParams,
    );
    expectCode(
      catching(() => new MetricsPlugin({ defaultMetrics: 'yes' as unknown as boolean })),
      ErrorCode.InvalidParams,
    );
    expectCode(
      catching(() => new Orchestrator({ metrics: 7 as never })),
      ErrorCode.InvalidParams,
    );
  });

  it('attaches to one orchestrator at a time', async () => {
    orch = new Orchestrator();
    const plugin = new MetricsPlugin().attach(orch);
    expectCode(
      catching(() => plugin.attach(orch as Orchestrator)),
      ErrorCode.InvalidState,
    );
    expect(plugin.contentType).toContain('text/plain');
  });
});

function catching(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
