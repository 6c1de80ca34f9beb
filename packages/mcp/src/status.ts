// The answer of `terminal_run` and `terminal_wait`: where a command stands (exited, running,
// timed out…), its output head+tail capped, and the offsets to page the rest with `terminal_read`.
import { capText } from './output';
import type { CommandRecord, TerminalRecord } from './terminal-record';

/** Where a command stands; `idle` means no command has run in the terminal yet. */
export type CommandStatus = 'exited' | 'running' | 'awaiting_input' | 'timed_out' | 'idle';

/** The structured result of `terminal_run` and `terminal_wait`. */
export interface CommandReport {
  terminal_id: string;
  status: CommandStatus;
  command?: string;
  exit_code?: number | null;
  signal?: string | null;
  output: string;
  truncated: boolean;
  output_offset: number;
  next_offset: number;
  cwd: string;
  duration_ms: number;
  cancelled?: boolean;
  /** Why the command ended without a result (cancelled, terminal gone). */
  error?: string;
  condition_met?: boolean;
  /**
   * True when the command ended its shell (`exit`, `exec`): that terminal is gone, and the next
   * run without `terminal_id` starts a fresh shell (cwd, env and functions reset).
   */
  shell_exited?: boolean;
}

/** Output of a command still running: head and tail of its scrollback, as plain text. */
async function runningOutput(
  record: TerminalRecord,
  from: number,
  maxBytes: number,
): Promise<{ text: string; truncated: boolean; end: number }> {
  const half = Math.max(1, Math.floor(maxBytes / 2));
  const head = await record.terminal.read({ fromOffset: from, maxBytes: maxBytes });
  const end = Math.max(head.endOffset, record.endOffset);
  if (head.nextOffset >= head.endOffset) {
    return { text: record.plain(head.data), truncated: false, end: head.nextOffset };
  }
  const tail = await record.terminal.read({
    fromOffset: Math.max(head.offset + half, end - half),
    maxBytes: half,
  });
  const headText = Buffer.from(head.data).subarray(0, half).toString('utf8');
  const omitted = tail.offset - (head.offset + half);
  return {
    text: `${record.plain(headText)}\n…[${omitted} bytes omitted; terminal_read from_offset ${head.offset + half}]…\n${record.plain(tail.data)}`,
    truncated: true,
    end: tail.nextOffset,
  };
}

/** What {@link reportOf} adds to a report, for the call it answers. */
export interface ReportExtra {
  awaitingInput?: boolean;
  conditionMet?: boolean;
  /**
   * For an output wait: where the output it waited for starts. When that is past the last
   * command's end (output of a background job), the report shows the output from there instead
   * of the command's, and moves the cursor past it, so the next wait waits for newer output.
   */
  outputFrom?: number;
}

/** The report for `record`'s current command (`idle` when none ran yet). */
export async function reportOf(
  record: TerminalRecord,
  maxOutputBytes: number,
  extra: ReportExtra = {},
): Promise<CommandReport> {
  const report = await commandReport(record, maxOutputBytes, extra);
  const from = extra.outputFrom;
  if (from === undefined || !pastLastCommand(record, from)) return report;
  const out = await runningOutput(record, from, maxOutputBytes);
  record.cursor = Math.max(record.cursor, out.end);
  return { ...report, output: out.text, truncated: out.truncated, output_offset: from, next_offset: out.end };
}

/** True when offset `from` is past the end of the terminal's last command (or none ran). */
function pastLastCommand(record: TerminalRecord, from: number): boolean {
  const end = record.current === undefined ? 0 : record.current.endOffset;
  return end !== undefined && from >= end;
}

async function commandReport(
  record: TerminalRecord,
  maxOutputBytes: number,
  extra: ReportExtra,
): Promise<CommandReport> {
  const command = record.current;
  if (command === undefined) {
    return {
      terminal_id: record.id,
      status: 'idle',
      output: '',
      truncated: false,
      output_offset: record.cursor,
      next_offset: record.cursor,
      cwd: record.cwd,
      duration_ms: 0,
      ...(extra.conditionMet === undefined ? {} : { condition_met: extra.conditionMet }),
    };
  }
  const base = {
    terminal_id: record.id,
    command: command.command,
    ...(command.cancelled ? { cancelled: true } : {}),
    ...(extra.conditionMet === undefined ? {} : { condition_met: extra.conditionMet }),
  };
  if (command.result === undefined && command.endOffset !== undefined) {
    // Ended without a result: interrupted by a cancellation, or the terminal went away.
    record.cursor = Math.max(record.cursor, command.endOffset);
    return {
      ...base,
      status: 'exited',
      exit_code: null,
      error: command.error instanceof Error ? command.error.message : String(command.error),
      output: '',
      truncated: false,
      output_offset: command.startOffset,
      next_offset: command.endOffset,
      cwd: record.cwd,
      duration_ms: Date.now() - command.startedAt,
    };
  }
  if (command.result === undefined) {
    const out = await runningOutput(record, command.startOffset, maxOutputBytes);
    record.cursor = Math.max(record.cursor, out.end);
    return {
      ...base,
      status: extra.awaitingInput ? 'awaiting_input' : 'running',
      output: out.text,
      truncated: out.truncated,
      output_offset: command.startOffset,
      next_offset: out.end,
      cwd: record.cwd,
      duration_ms: Date.now() - command.startedAt,
    };
  }
  return finishedReport(record, command, maxOutputBytes, base);
}

/**
 * Where `terminal_read` finds the omitted output of a command whose output starts at `start`: a
 * long output has rotated its start out of the terminal's scrollback (the newest 1 MiB by
 * default), and the hint must say so rather than point at bytes that are gone.
 */
async function readHint(record: TerminalRecord, start: number): Promise<string> {
  const page = await record.terminal.read({ fromOffset: start, maxBytes: 1 }).catch(() => undefined);
  const retained = page?.offset ?? start;
  if (retained <= start) return `; terminal_read from_offset ${start}`;
  return `; the output before offset ${retained} is no longer retained; terminal_read from_offset ${retained} for what is`;
}

async function finishedReport(
  record: TerminalRecord,
  command: CommandRecord,
  maxOutputBytes: number,
  base: Partial<CommandReport> & { terminal_id: string },
): Promise<CommandReport> {
  const result = command.result as NonNullable<CommandRecord['result']>;
  const start = result.outputOffset ?? command.startOffset;
  const end = command.endOffset ?? record.endOffset;
  record.cursor = Math.max(record.cursor, end);
  const output = result.stdout + result.stderr;
  const hint = Buffer.byteLength(output) > maxOutputBytes ? await readHint(record, start) : '';
  const capped = capText(output, maxOutputBytes, hint);
  return {
    ...base,
    status: result.timedOut ? 'timed_out' : 'exited',
    exit_code: result.exitCode,
    signal: result.signal,
    output: capped.text,
    truncated: result.truncated || capped.truncated,
    output_offset: start,
    next_offset: end,
    cwd: result.cwd,
    duration_ms: Math.round(result.durationMs),
    ...(result.shellExited ? { shell_exited: true } : {}),
  };
}

/** A short text rendering of a report for clients that ignore structured content. */
export function renderReport(report: CommandReport): string {
  const head =
    report.status === 'exited'
      ? `exit ${report.exit_code ?? report.signal ?? 'unknown'}`
      : report.status === 'running'
        ? `running (handle: terminal_id ${report.terminal_id}; call terminal_wait)`
        : report.status === 'awaiting_input'
          ? `awaiting input (answer with terminal_write, terminal_id ${report.terminal_id}; keys ["Ctrl-C"] interrupts it, also under a policy that refuses other input)`
          : report.status === 'timed_out'
            ? 'timed out'
            : 'no command running';
  const lines = [
    `[${report.terminal_id}] ${head}${report.cancelled ? ' (cancelled)' : ''} after ${report.duration_ms} ms; cwd ${report.cwd}`,
  ];
  if (report.condition_met === false) {
    lines.push('(wait condition not met: timeout_ms ran out, or the command or the terminal ended first)');
  }
  if (report.error) lines.push(`ended without a result: ${report.error}`);
  if (report.shell_exited) {
    lines.push(
      '(the command ended the shell: this terminal is gone; the next terminal_run without terminal_id starts a fresh shell, with cwd and env reset)',
    );
  }
  if (report.output) lines.push(report.output);
  if (report.truncated)
    lines.push(`(output truncated; offsets ${report.output_offset}..${report.next_offset})`);
  return lines.join('\n');
}
