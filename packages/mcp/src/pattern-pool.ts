// Tests an agent's pattern against terminal output in a worker thread, never on the event loop.
// A JavaScript regex cannot be interrupted once it runs, and no filter on its source tells every
// slow one apart: `(a|a)*c` and `(\w|a)*b` backtrack exponentially, `.*.*.*x` polynomially
// (minutes on a few KiB), and none has a nested quantifier. Run on the server's thread, one such
// pattern would freeze every client, the REST API and all terminals. So the main thread only
// parses the pattern (compilePattern: linear in its at most 500 characters; V8 builds the matcher
// lazily, at the first test, which happens here in the worker) and copies the text, at most the
// 64 KiB window, to a worker. A worker that has not answered within PATTERN_DEADLINE_MS is
// terminated (the next test starts a fresh one) and the test fails with InvalidParams. Up to
// POOL_SIZE workers (security's DeadlinePool, which the policy check runs on too), so one slow
// pattern does not hold up other waits' tests.
import { Worker } from 'node:worker_threads';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { DeadlinePool } from '@orchflow/security/internal';

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
    const began = performance.now();
    const matched = regex.test(job.text);
    reply = { id: job.id, matched, ms: performance.now() - began };
  } catch (error) {
    reply = { id: job.id, error: String((error && error.message) || error) };
  }
  parentPort.postMessage(reply);
});
`;

interface TestRequest {
  source: string;
  flags: string;
  text: string;
}

interface TestReply {
  id: number;
  matched?: boolean;
  /** How long the test took in the worker. */
  ms?: number;
  error?: string;
}

let pool: DeadlinePool<TestRequest, TestReply> | undefined;

function startWorker(): Worker {
  return new Worker(WORKER_SOURCE, {
    eval: true,
    // The worker needs nothing of the process's environment (which may hold secrets).
    env: {},
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB, maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
  });
}

/**
 * Whether `pattern` matches `text`, tested in a worker thread. Rejects with InvalidParams when the
 * test takes longer than {@link PATTERN_DEADLINE_MS} (or the pattern fails on the text).
 * `spent` hears how long the test ran in the worker, in ms.
 */
export async function testPattern(
  pattern: RegExp,
  text: string,
  spent?: (ms: number) => void,
): Promise<boolean> {
  pool ??= new DeadlinePool({ start: startWorker, size: POOL_SIZE, deadlineMs: PATTERN_DEADLINE_MS });
  const outcome = await pool.run({ source: pattern.source, flags: pattern.flags, text });
  // The pattern is what the agent can change: InvalidParams, quoting it.
  const refused = (what: string) =>
    new OrchflowError(ErrorCode.InvalidParams, `pattern '${pattern.source}' ${what}`);
  if ('reply' in outcome) {
    const { reply } = outcome;
    spent?.(reply.ms ?? 0);
    if (reply.error === undefined) return reply.matched === true;
    throw refused(`failed on the output: ${reply.error}; simplify it`);
  }
  const { lost } = outcome;
  if (lost.kind === 'deadline') {
    throw refused(
      `took longer than ${lost.ms} ms on the output (${text.length} characters); simplify it: avoid alternatives or repetitions that can match the same text, such as (a|a)* or .*.*`,
    );
  }
  if (lost.kind === 'error' && lost.error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    throw refused('ran out of memory on the output; simplify it');
  }
  const what =
    lost.kind === 'error'
      ? `testing the pattern failed: ${lost.error.message}`
      : `the pattern worker exited with code ${lost.code}`;
  throw new OrchflowError(
    ErrorCode.InternalError,
    `${what}; wait again (a fresh worker takes the next test)`,
  );
}
