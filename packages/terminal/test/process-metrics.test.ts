import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { ProcessMetricsSchema } from '@orchflow/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessMetricsSampler } from '../src/process/metrics';
import { killProcessTree } from '../src/process/tree';

const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) await killProcessTree(child.pid as number, { graceMs: 100 });
});

function start(script: string): ChildProcess {
  const child = spawn('bash', ['-c', script], { stdio: 'ignore' });
  children.push(child);
  return child;
}

describe('ProcessMetricsSampler', () => {
  it('reports CPU, memory and process count of a busy tree', async () => {
    const child = start('sleep 100 & while :; do :; done');
    const sampler = new ProcessMetricsSampler(child.pid as number);
    sampler.sample();
    await delay(500);
    const metrics = sampler.sample();
    expect(ProcessMetricsSchema.parse(metrics)).toEqual(metrics);
    expect(metrics.cpuPercent).toBeGreaterThan(1);
    // Two processes on a loaded machine still cannot use more than every core.
    expect(metrics.cpuPercent).toBeLessThan(100 * 64);
    expect(metrics.rssBytes).toBeGreaterThan(100 * 1024);
    expect(metrics.processCount).toBe(2);
  });

  it('reports near-zero CPU for an idle tree', async () => {
    const child = start('sleep 100');
    const sampler = new ProcessMetricsSampler(child.pid as number);
    await delay(100);
    sampler.sample();
    await delay(500);
    const metrics = sampler.sample();
    expect(metrics.cpuPercent).toBeLessThan(5);
    expect(metrics.processCount).toBe(1);
  });

  it('reports an empty tree once the process is gone', async () => {
    const child = start('exit 0');
    await new Promise((resolve) => child.on('exit', resolve));
    const metrics = new ProcessMetricsSampler(child.pid as number).sample();
    expect(metrics).toEqual({ cpuPercent: 0, rssBytes: 0, processCount: 0 });
  });
});
