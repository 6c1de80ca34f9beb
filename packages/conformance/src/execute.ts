// Conformance, execute: output and exit codes in a persistent shell, the hard timeout, live
// `onOutput` chunks and the start notice, an abort that really interrupts the command (its
// process is gone and what it would have done later never happens) and hands back what it printed
// before (`data.result`, as in process), and the client's own request timeout.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OutputChunk } from '@orchflow/client';
import { ErrorCode, type ExecResult, isOrchflowError } from '@orchflow/protocol';
import { expect, it } from 'vitest';
import { eventually, exists, rejection, scratchDir, serve, type TransportCase } from './harness';
import { alive } from './terminals';

/** Registers the execute tests for `transport`. */
export function executeTests(transport: TransportCase): void {
  it('returns output and exit codes from a persistent shell', async () => {
    const { admin } = await serve(transport);
    const terminal = await admin.spawnTerminal('conf-exec');
    expect(await terminal.execute('echo hello')).toMatchObject({
      stdout: 'hello\n',
      exitCode: 0,
      timedOut: false,
      truncated: false,
    });
    expect((await terminal.execute('false')).exitCode).toBe(1);
    expect((await terminal.execute('(exit 7)')).exitCode).toBe(7);
    // The shell persists: variables and cwd carry over from one command to the next.
    await terminal.execute('export CONF_VAR=kept; cd /tmp');
    expect((await terminal.execute('echo $CONF_VAR $PWD')).stdout).toBe('kept /tmp\n');
  });

  it('stops a command at its timeout and leaves the shell usable', async () => {
    const { admin } = await serve(transport);
    const terminal = await admin.spawnTerminal('conf-timeout');
    const result = await terminal.execute('sleep 30', { timeoutMs: 300 });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).not.toBe(0);
    expect((await terminal.execute('echo still-here')).stdout).toBe('still-here\n');
  });

  it('delivers output chunks while the command runs, after its start notice', async () => {
    const { admin } = await serve(transport);
    const terminal = await admin.spawnTerminal('conf-progress');
    const chunks: OutputChunk[] = [];
    const starts: number[] = [];
    const result = await terminal.execute('for i in 1 2 3; do echo chunk-$i; sleep 0.05; done', {
      onOutput: (chunk) => chunks.push(chunk),
      onStart: (offset) => starts.push(offset),
    });
    expect(result.stdout).toBe('chunk-1\nchunk-2\nchunk-3\n');
    const text = chunks.map((chunk) => chunk.data).join('');
    for (const n of [1, 2, 3]) expect(text).toContain(`chunk-${n}`);
    expect(starts).toHaveLength(1);
    // Offsets are absolute and increasing, all at or after the start notice's.
    const offsets = chunks.map((chunk) => chunk.offset);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(offsets[0]).toBeGreaterThanOrEqual(starts[0] as number);
  });

  it('interrupts an aborted command: Cancelled, its process gone, its later work never done', async () => {
    const { admin } = await serve(transport);
    const terminal = await admin.spawnTerminal('conf-abort');
    const dir = scratchDir('orchflow-conf-abort-');
    const marker = join(dir, 'marker');
    const pidFile = join(dir, 'pid');
    const abort = new AbortController();
    const running = terminal.execute(`sh -c 'echo $$ > ${pidFile}; exec sleep 30'; touch ${marker}`, {
      signal: abort.signal,
    });
    running.catch(() => undefined);
    // Abort once the command runs (its pid is written), so the abort interrupts it, not its admission.
    await eventually(() => exists(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 'the pid file');
    const sleeper = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(sleeper)).toBe(true);
    abort.abort();
    const error = await rejection(running);
    expect(isOrchflowError(error) && error.code).toBe(ErrorCode.Cancelled);
    // Commands on a terminal are queued: this runs only once the aborted one has ended.
    expect((await terminal.execute('echo next')).stdout).toBe('next\n');
    expect(exists(marker)).toBe(false);
    await eventually(() => !alive(sleeper), 'the aborted command to be gone');
    expect(exists(marker)).toBe(false);
  });

  it("hands an aborted command's partial output back in the Cancelled error's data.result", async () => {
    const { admin } = await serve(transport);
    const terminal = await admin.spawnTerminal('conf-abort-partial');
    const ready = join(scratchDir('orchflow-conf-partial-'), 'ready');
    const abort = new AbortController();
    const running = terminal.execute(`echo printed-before-abort; touch ${ready}; sleep 30; echo never`, {
      signal: abort.signal,
    });
    running.catch(() => undefined);
    await eventually(() => exists(ready), 'the command to print and reach its sleep');
    abort.abort();
    const error = await rejection(running);
    expect(isOrchflowError(error) && error.code).toBe(ErrorCode.Cancelled);
    const result = (error as { data?: { result?: ExecResult } }).data?.result;
    expect(result?.stdout).toContain('printed-before-abort');
    expect(result?.stdout).not.toContain('never');
    expect(result?.exitCode).not.toBe(0);
    expect((await terminal.execute('echo next')).stdout).toBe('next\n');
  });

  it('gives up on a response after requestTimeoutMs with a typed timeout error', async () => {
    const { admin } = await serve(transport);
    const terminal = await admin.spawnTerminal('conf-request-timeout');
    const error = await rejection(terminal.execute('sleep 2', { requestTimeoutMs: 200 }));
    expect((error as { code?: unknown }).code).toBe(ErrorCode.Timeout);
    // The server still finishes the command; the terminal stays usable.
    expect((await terminal.execute('echo after-timeout')).stdout).toBe('after-timeout\n');
  });
}
