// Strict FIFO execution of async jobs: one terminal runs one command at a time.

/** Runs queued jobs one after another, in the order they were queued. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** Number of jobs queued or running. */
  get size(): number {
    return this.pending;
  }

  /** Queues `job`; it starts once every earlier job has settled (fulfilled or rejected). */
  run<T>(job: () => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(job).finally(() => {
      this.pending--;
    });
    this.tail = result.catch(() => undefined);
    return result;
  }
}
