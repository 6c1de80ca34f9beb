// Strict FIFO execution of async jobs: one terminal runs one command at a time.

/** Runs queued jobs one after another, in the order they were queued. */
export class SerialQueue {
  // Undefined while nothing is queued: an idle terminal keeps no settled promise chain.
  private tail: Promise<unknown> | undefined;
  private pending = 0;

  /** Number of jobs queued or running. */
  get size(): number {
    return this.pending;
  }

  /** Queues `job`; it starts once every earlier job has settled (fulfilled or rejected). */
  run<T>(job: () => Promise<T>): Promise<T> {
    this.pending++;
    const result = (this.tail ?? Promise.resolve()).then(job).finally(() => {
      // Every job queued so far has settled (this one included, bar its last microtasks): a job
      // queued from here on may start at once.
      if (--this.pending === 0) this.tail = undefined;
    });
    this.tail = result.catch(() => undefined);
    return result;
  }
}
