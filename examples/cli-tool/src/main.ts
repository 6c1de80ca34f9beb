// orchflow-par: one command in many terminals at once. Parses the command line, connects (embedded
// by default), runs the jobs with live prefixed output, prints the summary and returns the exit status.
import { basename, relative, resolve } from 'node:path';
import { type ParOptions, parseCommandLine, USAGE, UsageError } from './args';
import { connect } from './connect';
import { expandDirectories } from './directories';
import { type Job, type JobResult, runJobs } from './jobs';
import { createStyle, LinePrefixer } from './output';
import { formatSummary } from './summary';

/** Where main reads and writes; the real process by default, replaceable for embedding. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Colors on or off; default: stdout is a TTY and NO_COLOR is unset. */
  color: boolean;
  cwd: string;
  /** Aborting interrupts every job (the bin wires Ctrl-C to it). */
  signal: AbortSignal;
}

/** Exit status when Ctrl-C interrupted the run (128 + SIGINT, as shells report it). */
export const EXIT_INTERRUPTED = 130;

/** Runs orchflow-par with `argv` and resolves with the process exit status. */
export async function main(argv: string[], io: Io): Promise<number> {
  let jobs: Job[];
  let options: ReturnType<typeof parseCommandLine>;
  try {
    options = parseCommandLine(argv);
    if (options.kind === 'help') {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    jobs = planJobs(options.options.command, options.options.target, io.cwd);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`orchflow-par: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  const { maxParallel, timeoutMs, quiet, backend } = options.options;
  const style = createStyle(io.color);
  let connection: Awaited<ReturnType<typeof connect>>;
  try {
    connection = await connect(backend, Math.min(maxParallel, jobs.length));
  } catch (error) {
    io.stderr(`orchflow-par: cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  try {
    const running = Math.min(maxParallel, jobs.length);
    io.stderr(
      `${style.paint(`orchflow-par: ${jobs.length} jobs, ${running} at a time, on ${connection.where}`, 2)}\n`,
    );
    const width = Math.max(...jobs.map((job) => job.label.length));
    const prefixers = jobs.map((job, i) => new LinePrefixer(job.label, i, width, style, io.stdout));
    const results: JobResult[] = await runJobs(connection.client, jobs, {
      maxParallel,
      timeoutMs,
      signal: io.signal,
      onOutput: quiet ? undefined : (i, data) => prefixers[i]?.push(data),
      onEnd: (i) => prefixers[i]?.flush(),
    });
    io.stdout(`\n${formatSummary(results, style)}`);
    if (io.signal.aborted) return EXIT_INTERRUPTED;
    return results.every((r) => r.status === 'ok') ? 0 : 1;
  } finally {
    await connection.close();
  }
}

/** One job per copy or per directory. */
function planJobs(command: string, target: ParOptions['target'], cwd: string): Job[] {
  if (target.kind === 'copies') {
    return Array.from({ length: target.count }, (_, i) => ({
      label: `#${i + 1}`,
      command,
      cwd,
      // Not ORCHFLOW_*: the standard and locked policies reserve that namespace and refuse to
      // spawn a terminal that sets it, so every job would fail on a default `orchflow serve --ws`.
      env: { PAR_INDEX: String(i + 1) },
    }));
  }
  const dirs = expandDirectories(target.patterns, cwd);
  const names = dirs.map((dir) => basename(resolve(cwd, dir)));
  // Short labels: the directory's name, or its path when two directories share a name.
  const unique = new Set(names).size === names.length;
  return dirs.map((dir, i) => ({
    label: unique ? (names[i] ?? dir) : relative(cwd, resolve(cwd, dir)) || '.',
    command,
    cwd: resolve(cwd, dir),
  }));
}
