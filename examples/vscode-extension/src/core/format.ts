// Result formatting shared by every editor: what the output channel and the status bar say.

/** What a test run ended with. */
export interface RunOutcome {
  command: string;
  /** The command's exit code; null when a signal ended it. */
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  timedOut: boolean;
  /** The shell's directory when the command ended. */
  cwd: string;
}

/** How the status item should look: editors map `tone` to their own icons and colours. */
export interface StatusView {
  text: string;
  tooltip: string;
  tone: 'idle' | 'running' | 'passed' | 'failed' | 'error';
}

/** `850 ms`, `12.3 s`, `2 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1_000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** The line written before a run's output. */
export function runHeader(command: string, cwd: string | undefined, at: Date): string {
  const where = cwd ? ` in ${cwd}` : '';
  return `[${at.toISOString()}] $ ${command}${where}\n`;
}

/** The line written after a run's output. */
export function runFooter(outcome: RunOutcome): string {
  return `\n[${describeEnd(outcome)} after ${formatDuration(outcome.durationMs)}]\n`;
}

/** `exit 0`, `exit 3`, `killed by SIGKILL`, `timed out`. */
export function describeEnd(outcome: RunOutcome): string {
  if (outcome.timedOut) return 'timed out';
  if (outcome.exitCode === null) return `killed by ${outcome.signal ?? 'a signal'}`;
  return `exit ${outcome.exitCode}`;
}

/** The status item after a run. */
export function outcomeStatus(outcome: RunOutcome): StatusView {
  const passed = outcome.exitCode === 0 && !outcome.timedOut;
  return {
    text: `orchflow: ${describeEnd(outcome)}`,
    tooltip: `${outcome.command} — ${describeEnd(outcome)} after ${formatDuration(outcome.durationMs)}`,
    tone: passed ? 'passed' : 'failed',
  };
}

/** The status item while a run is in progress. */
export function runningStatus(command: string): StatusView {
  return { text: 'orchflow: running…', tooltip: `Running ${command}`, tone: 'running' };
}

/** The status item when the run could not happen or finish. */
export function errorStatus(message: string): StatusView {
  return { text: 'orchflow: error', tooltip: message, tone: 'error' };
}
