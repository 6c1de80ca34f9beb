// Per-terminal admission lanes. A terminal's commands are admitted and run one at a time, in
// order, so each one is judged against the working directory its predecessors left: admitting a
// command while an earlier one still runs would use a stale cwd (`cd /etc` and `cat hostname`
// sent together would both be checked in the old directory).
import { ErrorCode, OrchflowError } from '@orchflow/protocol';

function cancelledBeforeStart(): OrchflowError {
  return new OrchflowError(
    ErrorCode.Cancelled,
    'Command cancelled before it started: its terminal was still busy with earlier commands',
  );
}

/** One FIFO lane of admission + execution per terminal id. */
export class TerminalLanes {
  private readonly tails = new Map<string, Promise<void>>();

  /**
   * Runs `job` once every earlier job of `terminalId` settled. An abort of `signal` before the
   * job starts rejects at once with Cancelled, and the job is then skipped.
   */
  run<T>(terminalId: string, job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    let started = false;
    const result = (this.tails.get(terminalId) ?? Promise.resolve()).then(() => {
      started = true;
      if (signal?.aborted) throw cancelledBeforeStart();
      return job();
    });
    // Once the job settled, the lane is dropped unless a later job queued behind it.
    const settled = (): void => {
      if (this.tails.get(terminalId) === tail) this.tails.delete(terminalId);
    };
    const tail: Promise<void> = result.then(settled, settled);
    this.tails.set(terminalId, tail);
    if (!signal) return result;
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        if (!started) reject(cancelledBeforeStart());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) onAbort();
      result.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }
}
