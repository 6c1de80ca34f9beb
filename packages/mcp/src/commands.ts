// Starting commands and waiting on them on the server. `startCommand` keeps the execute promise
// in the terminal's record (so a yielded `terminal_run` can be picked up by `terminal_wait`);
// `waitFor` sleeps until the command ends, a pattern appears, output goes quiet, or the time is up,
// woken by output and completion rather than by polling.
import { ErrorCode, type ExecResult, OrchflowError } from '@orchflow/protocol';
import { PATTERN_DEADLINE_MS, testPattern } from './pattern-pool';
import { PROGRESS_HEARTBEAT_MS } from './progress';
import type { CommandRecord, TerminalRecord } from './terminal-record';

/** Options of {@link startCommand}. */
export interface StartOptions {
  timeoutMs?: number;
  maxOutputBytes?: number;
  /** `_meta` for the execute request: the tool call's trace context (see `traceMetaOf`). */
  meta?: Record<string, string> | undefined;
}

/** Longest a cancelled command is waited for before the tool answers anyway. */
const CANCEL_SETTLE_MS = 10_000;

/**
 * Starts `command` in `record`'s terminal; resolves once the server admitted it (a denied command
 * rejects here, with the policy's error) and returns its record, which settles when it ends.
 */
export async function startCommand(
  record: TerminalRecord,
  command: string,
  options: StartOptions,
): Promise<CommandRecord> {
  const abort = new AbortController();
  let admitted: (offset: number) => void = () => undefined;
  const admission = new Promise<number>((resolve) => {
    admitted = resolve;
  });
  const entry: Partial<CommandRecord> & { abort: AbortController } = {
    command,
    startedAt: Date.now(),
    startOffset: record.endOffset,
    abort,
  };
  const execution = record.terminal.execute(command, {
    timeoutMs: options.timeoutMs,
    maxOutputBytes: options.maxOutputBytes,
    signal: abort.signal,
    onStart: (offset) => admitted(offset),
    ...(options.meta ? { meta: options.meta } : {}),
  });
  const settled = execution.then(
    (result: ExecResult) => {
      entry.result = result;
      if (result.cwd) record.cwd = result.cwd;
    },
    (error: unknown) => {
      entry.error = error;
    },
  );
  const done = settled.then(async () => {
    // A cancellation can be answered while the terminal still stops the command (SIGINT, then
    // SIGKILL after a grace period when it traps SIGINT; a remote client waits only so long for
    // the server's answer): it has ended only once the terminal is back at its prompt.
    if (abort.signal.aborted && entry.error !== undefined) await record.untilIdle(CANCEL_SETTLE_MS);
    // The end offset as the server sees it now: the live feed may still be catching up.
    const page = await record.terminal
      .read({ fromOffset: record.endOffset, maxBytes: 1 })
      .catch(() => undefined);
    entry.endOffset = Math.max(record.endOffset, page?.endOffset ?? 0);
    entry.endedAt = Date.now();
    record.notifyChange();
  });
  const full = Object.assign(entry, { settled: done }) as CommandRecord;
  // Busy from now on, before admission: a second run on this terminal must not slip in between.
  const previous = record.current;
  record.current = full;
  record.commandStarting();
  // Admission (onStart) or the end of the command, whichever comes first: servers without the
  // executeStarted feature only tell the end; a denial rejects `execution` before any start.
  try {
    const first = await Promise.race([admission.then((offset) => ({ offset })), execution.then(() => ({}))]);
    if ('offset' in first) full.startOffset = first.offset;
  } catch (error) {
    if (record.current === full) record.current = previous;
    throw error;
  }
  return full;
}

/**
 * Interrupts `command` as a cancellation (SIGINT, then the terminal's escalation) and waits for
 * its end, at most CANCEL_SETTLE_MS.
 */
export async function interruptCommand(command: CommandRecord): Promise<void> {
  command.cancelled = true;
  command.abort.abort();
  await Promise.race([command.settled, new Promise((r) => setTimeout(r, CANCEL_SETTLE_MS).unref())]);
}

/** What `terminal_wait` waits for. */
export type WaitCondition =
  | { until: 'exit'; orAwaitingInput?: boolean }
  | {
      until: 'output';
      pattern?: RegExp;
      fromOffset: number;
      /** The command running when the wait began: its end (with its output seen) ends the wait. */
      during?: CommandRecord;
    }
  | { until: 'idle'; idleMs: number };

/**
 * Whether the condition held (false: the time ran out or the signal aborted). An `exit` wait with
 * `orAwaitingInput` also ends when the command blocks reading the terminal; that returns true
 * only if it exited. `onTick` runs after every wake-up, and at least every
 * PROGRESS_HEARTBEAT_MS (it sends the call's progress).
 */
export async function waitFor(
  record: TerminalRecord,
  condition: WaitCondition,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  onTick?: () => void,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const probe =
    condition.until === 'output' && condition.pattern !== undefined
      ? new PatternProbe(record, condition.pattern, condition.fromOffset)
      : undefined;
  for (;;) {
    const seenOffset = record.endOffset;
    if (probe ? await probe.matches() : holds(record, condition)) {
      return (
        condition.until !== 'exit' || record.current === undefined || record.current.endOffset !== undefined
      );
    }
    if (signal?.aborted) return false;
    const now = Date.now();
    if (now >= deadline) return false;
    // Output that came while the pattern was tested (off the event loop) woke nobody: test it
    // now, before deciding that no more can come.
    if (record.endOffset !== seenOffset) {
      onTick?.();
      continue;
    }
    if (condition.until === 'output' && outputCannotCome(record, condition.during)) return false;
    // Sleep until something changes; idle waits also wake when the quiet period would be over.
    let sleepMs = deadline - now;
    if (condition.until === 'idle') {
      sleepMs = Math.min(sleepMs, Math.max(1, record.lastOutputAt + condition.idleMs - now));
    }
    if (onTick) sleepMs = Math.min(sleepMs, PROGRESS_HEARTBEAT_MS);
    const change = record.changed();
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    await Promise.race([
      change.promise,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, sleepMs);
        onAbort = resolve;
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
    change.cancel();
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    onTick?.();
  }
}

/**
 * True when an output wait can no longer be met: the terminal exited, or the command it began
 * during has ended and all its output was seen. (Begun with no command running, it waits on:
 * output of a background job may still come.)
 */
function outputCannotCome(record: TerminalRecord, during: CommandRecord | undefined): boolean {
  if (record.exited) return true;
  if (during === undefined || during.endOffset === undefined) return false;
  return record.endOffset >= during.endOffset;
}

/** The share of a wait's time its pattern tests may take (see PatternProbe). */
const PATTERN_SHARE = 0.25;

/**
 * An output wait's pattern, tested in a worker thread (pattern-pool.ts) against the new output,
 * bounded by the window as before: a pattern never runs on the event loop, however slow it is on
 * the text. A test that overruns its deadline rejects (InvalidParams), failing the wait. The same
 * text is not tested twice (a wake-up without new output). And a pattern just under the deadline,
 * tested again at every chunk of a long wait, would keep a worker (a core) busy for the whole wait:
 * a wait's tests may use at most a quarter of the time it has lasted, after a first allowance of
 * one deadline, or the wait fails (InvalidParams) — an ordinary pattern takes well under 1 %.
 */
export class PatternProbe {
  private tested: string | undefined;
  private spentMs = 0;
  private readonly began: number;

  constructor(
    private readonly record: Pick<TerminalRecord, 'plain' | 'recentOutput'>,
    private readonly pattern: RegExp,
    private readonly fromOffset: number,
    /** The test (a worker's, see pattern-pool.ts) and the clock; replaceable for tests. */
    private readonly test: typeof testPattern = testPattern,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.began = now();
  }

  /** Whether the pattern matches the output so far; rejects (InvalidParams) past the deadline or the share. */
  async matches(): Promise<boolean> {
    const text = this.record.plain(this.record.recentOutput(this.fromOffset));
    if (text === this.tested) return false;
    const matched = await this.test(this.pattern, text, (ms) => {
      this.spentMs += ms;
    });
    this.tested = text;
    const allowedMs = PATTERN_DEADLINE_MS + PATTERN_SHARE * (this.now() - this.began);
    if (!matched && this.spentMs > allowedMs) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `pattern '${this.pattern.source}' spent ${Math.round(this.spentMs)} ms testing the output of this wait, more than ${PATTERN_SHARE * 100} % of the time it waited; simplify it: avoid alternatives or repetitions that can match the same text, such as (a|a)* or .*.*`,
      );
    }
    return matched;
  }
}

/** Whether `condition` holds now, for every condition but an output pattern (see PatternProbe). */
function holds(record: TerminalRecord, condition: WaitCondition): boolean {
  const command = record.current;
  const ended = command !== undefined && command.endOffset !== undefined;
  switch (condition.until) {
    case 'exit':
      return command === undefined || ended || (condition.orAwaitingInput === true && record.awaitingInput);
    case 'output':
      return record.endOffset > condition.fromOffset;
    case 'idle':
      return ended || Date.now() - record.lastOutputAt >= condition.idleMs;
  }
}
