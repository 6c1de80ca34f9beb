// The table printed after the jobs: one row per job with its status, exit code and duration,
// then one line naming the jobs that did not pass (see failures.ts).
import { formatDuration } from './duration';
import { describeFailures } from './failures';
import type { JobResult } from './jobs';
import type { Style } from './output';

const STATUS_COLOR = { ok: 32, failed: 31, timeout: 31, aborted: 33, error: 31 } as const;

/** The summary table and verdict, lines ending in `\n`. */
export function formatSummary(results: JobResult[], style: Style): string {
  const rows = results.map((r) => [
    r.job.label,
    r.status,
    r.exitCode === null ? (r.signal ?? '-') : String(r.exitCode),
    formatDuration(r.durationMs),
  ]);
  const header = ['job', 'status', 'exit', 'time'];
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((row) => (row[col] ?? '').length)));
  const line = (cells: string[], paint: (cell: string, col: number) => string = (c) => c) =>
    cells
      .map((cell, col) =>
        paint(col >= 2 ? cell.padStart(widths[col] ?? 0) : cell.padEnd(widths[col] ?? 0), col),
      )
      .join('  ')
      .trimEnd();
  const out = [line(header, (cell) => style.paint(cell, 1))];
  results.forEach((r, i) => {
    out.push(
      line(rows[i] ?? [], (cell, col) => (col === 1 ? style.paint(cell, STATUS_COLOR[r.status]) : cell)),
    );
  });
  const bad = results.filter((r) => r.status !== 'ok');
  out.push(
    bad.length === 0
      ? style.paint(`all ${results.length} jobs passed`, 32)
      : style.paint(
          `${bad.length} of ${results.length} jobs did not pass: ${describeFailures(results).join(', ')}`,
          31,
        ),
  );
  return `${out.join('\n')}\n`;
}
