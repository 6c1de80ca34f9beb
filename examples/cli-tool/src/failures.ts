// The jobs that did not pass, for the summary's last line. When many jobs fail for one reason (a
// server that refuses every spawn, say), the message is long and identical: it is shown once, with
// the jobs it also stopped, instead of once per job.
import type { JobResult } from './jobs';

/** One entry per job that did not pass, in order; repeated identical errors folded into the first. */
export function describeFailures(results: JobResult[]): string[] {
  const bad = results
    .map((result, index) => ({ result, index }))
    .filter(({ result }) => result.status !== 'ok');
  const sameError = new Map<string, { label: string; index: number }[]>();
  for (const { result, index } of bad) {
    if (result.status !== 'error' || result.reason === undefined) continue;
    const group = sameError.get(result.reason) ?? [];
    group.push({ label: result.job.label, index });
    sameError.set(result.reason, group);
  }
  const entries: string[] = [];
  for (const { result, index } of bad) {
    if (result.status !== 'error' || result.reason === undefined) {
      entries.push(describe(result));
      continue;
    }
    const [first, ...others] = sameError.get(result.reason) ?? [];
    if (first?.index !== index) continue; // folded into the first job with this error
    const also = others.length > 0 ? `; same error for ${labelRanges(others)}` : '';
    entries.push(`${result.job.label} (${result.reason}${also})`);
  }
  return entries;
}

function describe(r: JobResult): string {
  switch (r.status) {
    case 'failed':
      return `${r.job.label} (exit ${r.exitCode ?? r.signal ?? '?'})`;
    case 'timeout':
      return `${r.job.label} (timed out)`;
    case 'aborted':
      return `${r.job.label} (${r.reason ?? 'aborted'})`;
    default:
      return `${r.job.label} (${r.reason ?? r.status})`;
  }
}

/**
 * `#2, #3` or, for three or more jobs next to each other in the table, `#2–#9`: `-n 50` against a
 * server that refuses them all should not print 49 labels.
 */
function labelRanges(jobs: { label: string; index: number }[]): string {
  const runs: { label: string; index: number }[][] = [];
  for (const job of jobs) {
    const run = runs.at(-1);
    const last = run?.at(-1);
    if (run && last && job.index === last.index + 1) run.push(job);
    else runs.push([job]);
  }
  return runs
    .flatMap((run) =>
      run.length >= 3 ? [`${run[0]?.label}–${run.at(-1)?.label}`] : run.map((job) => job.label),
    )
    .join(', ');
}
