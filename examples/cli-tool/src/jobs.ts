// Runs the jobs: at most `maxParallel` at once, each in its own fresh terminal (spawned, run,
// killed), streaming output as it comes. One AbortSignal interrupts
// every running job and keeps queued ones from starting.
import { ErrorCode, isOrchflowError, type OrchflowClient, type RemoteTerminal } from '@orchflow/client';

/** One command to run somewhere. */
export interface Job {
  /** Shown in front of its output and in the summary. */
  label: string;
  command: string;
  /** Working directory; the server's when absent. */
  cwd?: string;
  env?: Record<string, string>;
}

/** How a job ended. */
export type JobStatus = 'ok' | 'failed' | 'timeout' | 'aborted' | 'error';

/** One row of the summary. */
export interface JobResult {
  job: Job;
  status: JobStatus;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  /** Why it did not run to an exit code (`error`, `aborted`), when known. */
  reason?: string;
}

/** Options of {@link runJobs}. */
export interface RunJobsOptions {
  maxParallel: number;
  timeoutMs?: number;
  signal: AbortSignal;
  /** Called with a job's raw output while it runs. */
  onOutput?: (index: number, data: string) => void;
  /** Called once a job has ended (after its last output). */
  onEnd?: (index: number, result: JobResult) => void;
}

/** Runs `jobs` and resolves with a result per job, in the order given (never rejects). */
export async function runJobs(
  client: OrchflowClient,
  jobs: Job[],
  options: RunJobsOptions,
): Promise<JobResult[]> {
  const results: JobResult[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const index = next++;
      const job = jobs[index] as Job;
      results[index] = await runOne(client, job, index, options);
      options.onEnd?.(index, results[index] as JobResult);
    }
  };
  const workers = Array.from({ length: Math.min(options.maxParallel, jobs.length) }, worker);
  await Promise.all(workers);
  return results;
}

async function runOne(
  client: OrchflowClient,
  job: Job,
  index: number,
  options: RunJobsOptions,
): Promise<JobResult> {
  const started = performance.now();
  const ended = (status: JobStatus, extra: Partial<JobResult> = {}): JobResult => ({
    job,
    status,
    exitCode: null,
    signal: null,
    durationMs: performance.now() - started,
    ...extra,
  });
  if (options.signal.aborted) return ended('aborted', { durationMs: 0, reason: 'not started' });
  let terminal: RemoteTerminal | undefined;
  try {
    terminal = await client.spawnTerminal('orchflow-par', { cwd: job.cwd, env: job.env, name: job.label });
    const result = await terminal.execute(job.command, {
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      onOutput: (chunk) => options.onOutput?.(index, chunk.data),
    });
    const { exitCode, signal, durationMs } = result;
    if (result.timedOut) return ended('timeout', { exitCode, signal, durationMs });
    return ended(exitCode === 0 ? 'ok' : 'failed', { exitCode, signal, durationMs });
  } catch (error) {
    if (terminal && isOrchflowError(error) && error.code === ErrorCode.Cancelled) {
      return ended('aborted', { reason: 'interrupted', exitCode: await interruptedExit(terminal) });
    }
    return ended('error', { reason: error instanceof Error ? error.message : String(error) });
  } finally {
    // The connection may be gone (that is often why a job failed); the server then kills it anyway.
    await terminal?.kill().catch(() => undefined);
  }
}

/** Time an interrupted command gets to clean up before its terminal is killed. */
const CLEANUP_WAIT_MS = 10_000;

/**
 * An aborted execute() rejects at once, while the server is still interrupting the command
 * (SIGINT, then SIGKILL after a grace period). Waiting for it to end before killing the terminal
 * lets the command's SIGINT handlers run — Ctrl-C means "interrupt", not "kill -9". A no-op queued
 * behind it ends when it does; the history then has the interrupted command's exit code.
 */
async function interruptedExit(terminal: RemoteTerminal): Promise<number | null> {
  try {
    await terminal.execute(':', { timeoutMs: CLEANUP_WAIT_MS });
    const [interrupted] = await terminal.history(2);
    return interrupted?.exitCode ?? null;
  } catch {
    return null;
  }
}
