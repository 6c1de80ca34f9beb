// A few worker threads that each take one job at a time and must answer it within a deadline:
// work that cannot be bounded from outside (parsing hostile bash, a caller's regular expression)
// runs there, never on the event loop. Workers start on demand up to `size`, are referenced only
// while they work (an idle pool never keeps a process alive), and one that overruns the deadline,
// fails or exits is dropped — terminated if need be — and its job reported lost; the next job
// starts a fresh worker. Jobs wait in order for a free worker, and a job's deadline starts when a
// worker takes it — for a fresh worker, once it is running: starting a thread takes tens of
// milliseconds, more on a loaded machine, and that is not the job's doing.
import type { Worker } from 'node:worker_threads';

// How long a fresh worker may take to come up, beyond the deadline, before its job is lost.
const STARTUP_ALLOWANCE_MS = 10_000;

/** Why a job got no answer. */
export type PoolLoss =
  | { kind: 'deadline'; ms: number }
  | { kind: 'error'; error: Error & { code?: string } }
  | { kind: 'exit'; code: number };

/** What became of a job: its worker's reply, or why there is none. */
export type PoolOutcome<Reply> = { reply: Reply } | { lost: PoolLoss };

/** Options of a {@link DeadlinePool}. */
export interface DeadlinePoolOptions<Reply> {
  /** Starts one worker; the pool listens to its `message`, `error` and `exit`. */
  start(): Worker;
  /** Workers at most. */
  size: number;
  /** How long one job may take in its worker. */
  deadlineMs: number;
  /** True when the worker that sent `reply` must not take another job (it is terminated). */
  retires?(reply: Reply): boolean;
}

interface Job<Reply> {
  request: { id: number };
  settle(outcome: PoolOutcome<Reply>): void;
}

interface Slot<Reply> {
  worker: Worker;
  /** The worker's thread runs (its `online` came). */
  online: boolean;
  job?: Job<Reply>;
  timer?: NodeJS.Timeout;
}

/** Runs jobs in worker threads, each within a deadline (see the file's comment). */
export class DeadlinePool<Request extends object, Reply extends { id: number }> {
  private readonly slots = new Set<Slot<Reply>>();
  private readonly idle: Slot<Reply>[] = [];
  private readonly queue: Job<Reply>[] = [];
  private nextId = 1;

  constructor(private readonly options: DeadlinePoolOptions<Reply>) {}

  /** Posts `request` (with a fresh `id`, which the reply must carry) to a worker. */
  run(request: Request): Promise<PoolOutcome<Reply>> {
    return new Promise((settle) => {
      this.queue.push({ request: { ...request, id: this.nextId++ }, settle });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.idle.pop();
      if (!slot && this.slots.size < this.options.size) {
        try {
          slot = this.spawn();
        } catch (error) {
          // No worker could be started (no threads left, a bad worker file): this job is lost,
          // not left queued, and nothing is thrown from a timer or an event handler.
          (this.queue.shift() as Job<Reply>).settle({ lost: { kind: 'error', error: error as Error } });
          continue;
        }
      }
      if (!slot) return;
      this.assign(slot, this.queue.shift() as Job<Reply>);
    }
  }

  private spawn(): Slot<Reply> {
    const worker = this.options.start();
    const slot: Slot<Reply> = { worker, online: false };
    worker.once('online', () => {
      slot.online = true;
      if (!slot.job) return;
      clearTimeout(slot.timer);
      this.startDeadline(slot, 0);
    });
    worker.on('message', (reply: Reply) => this.answered(slot, reply));
    worker.on('error', (error: Error) => this.lost(slot, { kind: 'error', error }));
    worker.on('exit', (code: number) => this.lost(slot, { kind: 'exit', code }));
    this.slots.add(slot);
    return slot;
  }

  private assign(slot: Slot<Reply>, job: Job<Reply>): void {
    slot.job = job;
    slot.worker.ref();
    // A thread that never comes up must not hold its job forever either.
    this.startDeadline(slot, slot.online ? 0 : STARTUP_ALLOWANCE_MS);
    slot.worker.postMessage(job.request);
  }

  private startDeadline(slot: Slot<Reply>, allowanceMs: number): void {
    const ms = this.options.deadlineMs;
    slot.timer = setTimeout(() => {
      this.lost(slot, { kind: 'deadline', ms });
      void slot.worker.terminate();
    }, ms + allowanceMs);
  }

  private answered(slot: Slot<Reply>, reply: Reply): void {
    const job = slot.job;
    if (!job || reply.id !== job.request.id) return;
    this.release(slot);
    job.settle({ reply });
    if (this.options.retires?.(reply)) {
      this.slots.delete(slot);
      void slot.worker.terminate();
    } else this.idle.push(slot);
    this.pump();
  }

  private lost(slot: Slot<Reply>, loss: PoolLoss): void {
    if (!this.slots.delete(slot)) return;
    const at = this.idle.indexOf(slot);
    if (at >= 0) this.idle.splice(at, 1);
    const job = slot.job;
    this.release(slot);
    job?.settle({ lost: loss });
    this.pump();
  }

  private release(slot: Slot<Reply>): void {
    clearTimeout(slot.timer);
    slot.job = undefined;
    slot.timer = undefined;
    slot.worker.unref();
  }
}
