// The listeners a terminal calls once it has exited (Terminal.onExit). One reaction on `exited`
// serves all of them, not a promise chain each: every terminal of an orchestrator has two for its
// whole life. A listener added once that reaction has run gets one of its own.
import { type Disposer, disposer } from '@orchflow/protocol';

/** Calls listeners once `exited` resolves, in the order they were added. */
export class ExitListeners<T> {
  private waiting: Array<(value: T) => void> | undefined;

  constructor(private readonly exited: Promise<T>) {}

  /** Adds `listener`; the returned handle removes it if it has not been called yet. */
  add(listener: (value: T) => void): Disposer {
    let batch = this.waiting;
    if (batch === undefined) {
      const fresh: Array<(value: T) => void> = [];
      batch = this.waiting = fresh;
      void this.exited.then((value) => {
        this.waiting = undefined;
        for (let each = fresh.shift(); each !== undefined; each = fresh.shift()) callAlone(each, value);
      });
    }
    const list = batch;
    list.push(listener);
    return disposer(() => {
      const at = list.indexOf(listener);
      if (at >= 0) list.splice(at, 1);
    });
  }
}

/** Calls `listener`; a throw is rethrown on its own, after the other listeners have run. */
function callAlone<T>(listener: (value: T) => void, value: T): void {
  try {
    listener(value);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}
