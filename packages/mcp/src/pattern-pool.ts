// Tests an agent's pattern against terminal output in a worker thread, never on the event loop.
// A JavaScript regex cannot be interrupted once it runs, and no filter on its source tells every
// slow one apart: `(a|a)*c` and `(\w|a)*b` backtrack exponentially, `.*.*.*x` polynomially
// (minutes on a few KiB), and none has a nested quantifier. Run on the server's thread, one such
// pattern would freeze every client, the REST API and all terminals. So the main thread only
// parses the pattern (compilePattern: linear in its at most 500 characters; V8 builds the matcher
// lazily, at the first test, which happens here in the worker) and copies the text, at most the
// 64 KiB window, to a worker. A worker that has not answered within PATTERN_DEADLINE_MS is
// terminated (the next test starts a fresh one) and the test fails with InvalidParams. Up to
// POOL_SIZE workers, started on demand, so one slow pattern does not hold up other waits' tests.
import { Worker } from 'node:worker_threads';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';

/** Longest one test of a pattern against the output may take before the wait fails. */
export const PATTERN_DEADLINE_MS = 1_000;
// Two: a second agent's test runs while the first waits out a slow pattern; more would only
// compete for the same cores (the orchestrator's own checks run in workers too).
const POOL_SIZE = 2;
// A test holds one compiled pattern and one window of text; a pattern whose matching grows past
// this fails (the worker dies) rather than the process.
const WORKER_HEAP_MB = 64;
const WORKER_YOUNG_MB = 4;

// The worker's whole program, evaluated rather than loaded from a file: nothing to emit beside
// the bundle, and the same code runs from source (vitest) and from dist. It keeps the last
// pattern compiled: a wait tests the same one at every output chunk.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
let key;
let regex;
parentPort.on('message', (job) => {
  let reply;
  try {
    const wanted = job.flags + '/' + job.source;
    if (key !== wanted) {
      regex = new RegExp(job.source, job.flags);
      key = wanted;
    }
    regex.lastIndex = 0;
    reply = { id: job.id, matched: regex.test(job.text) };
  } catch (error) {
    reply = { id: job.id, error: String((error && error.message) || error) };
  }
  parentPort.postMessage(reply);
});
`;

interface TestRequest {
  id: number;
  source: string;
  flags: string;
  text: string;
}

interface TestReply {
  id: number;
  matched?: boolean;
  error?: string;
}

interface Job {
  request: TestRequest;
  resolve: (matched: boolean) => void;
  reject: (error: OrchflowError) => void;
}

interface Slot {
  worker: Worker;
  job?: Job;
  timer?: NodeJS.Timeout;
}

/** The error of a test: the pattern is what the agent can change, so InvalidParams, quoting it. */
function patternError(request: TestRequest, what: string): OrchflowError {
  return new OrchflowError(ErrorCode.InvalidParams, `pattern '${request.source}' ${what}`);
}

class PatternPool {
  private readonly slots = new Set<Slot>();
  private readonly idle: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;

  run(source: string, flags: string, text: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request: { id: this.nextId++, source, flags, text }, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const slot = this.idle.pop() ?? (this.slots.size < POOL_SIZE ? this.spawn() : undefined);
      if (!slot) return;
      this.assign(slot, this.queue.shift() as Job);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // The worker needs nothing of the process's environment (which may hold secrets).
      env: {},
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB, maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
    });
    const slot: Slot = { worker };
    worker.on('message', (reply: TestReply) => this.answered(slot, reply));
    worker.on('error', (error: Error & { code?: string }) => {
      const job = slot.job;
      if (job && error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        this.lost(slot, patternError(job.request, 'ran out of memory on the output; simplify it'));
      } else {
        this.lost(
          slot,
          new OrchflowError(ErrorCode.InternalError, `testing the pattern failed: ${error.message}`),
        );
      }
    });
    worker.on('exit', (code) =>
      this.lost(
        slot,
        new OrchflowError(ErrorCode.InternalError, `the pattern worker exited with code ${code}`),
      ),
    );
    this.slots.add(slot);
    return slot;
  }

  private assign(slot: Slot, job: Job): void {
    slot.job = job;
    // Referenced only while it works: an idle pool never keeps a process alive.
    slot.worker.ref();
    slot.timer = setTimeout(() => {
      this.lost(
        slot,
        patternError(
          job.request,
          `took longer than ${PATTERN_DEADLINE_MS} ms on the output (${job.request.text.length} characters); simplify it: avoid alternatives or repetitions that can match the same text, such as (a|a)* or .*.*`,
        ),
      );
      void slot.worker.terminate();
    }, PATTERN_DEADLINE_MS);
    slot.worker.postMessage(job.request);
  }

  private answered(slot: Slot, reply: TestReply): void {
    const job = slot.job;
    if (!job || reply.id !== job.request.id) return;
    this.release(slot);
    if (reply.error === undefined) job.resolve(reply.matched === true);
    else job.reject(patternError(job.request, `failed on the output: ${reply.error}; simplify it`));
    this.idle.push(slot);
    this.pump();
  }

  // The worker is gone (deadline, crash, out of memory): its test fails, and the next test
  // starts a fresh worker.
  private lost(slot: Slot, error: OrchflowError): void {
    if (!this.slots.delete(slot)) return;
    const at = this.idle.indexOf(slot);
    if (at >= 0) this.idle.splice(at, 1);
    const job = slot.job;
    this.release(slot);
    job?.reject(error);
    this.pump();
  }

  private release(slot: Slot): void {
    clearTimeout(slot.timer);
    slot.job = undefined;
    slot.timer = undefined;
    slot.worker.unref();
  }
}

let pool: PatternPool | undefined;

/**
 * Whether `pattern` matches `text`, tested in a worker thread. Rejects with InvalidParams when the
 * test takes longer than {@link PATTERN_DEADLINE_MS} (or the pattern fails on the text).
 */
export function testPattern(pattern: RegExp, text: string): Promise<boolean> {
  pool ??= new PatternPool();
  return pool.run(pattern.source, pattern.flags, text);
}
