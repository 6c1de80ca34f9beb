// Runs checks off the event loop. Parsing 64 KiB of bash takes tree-sitter from ~20 ms (one long
// word) to seconds (a 30 000-stage pipeline; many heredocs on one line are quadratic), and no step
// count inside the WASM parser bounds that, so every check is parsed and judged in a worker thread:
// the orchestrator's loop only posts the text and receives the decision. Up to POOL_SIZE workers,
// started on demand, so one slow check does not hold up other agents' checks. The work budget
// (budget.ts) decides the verdict; the deadline here is only the backstop for the parser itself:
// a worker that overruns it is terminated and the check denied `too-complex`.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DeadlinePool, type PoolLoss } from '../worker-pool/deadline-pool';
import { tooComplexDecision } from './limits';
import type { PolicyDecision } from './types';

/** A check sent to a worker; without `command` it only loads the parser (`ready`). */
export interface CheckRequest {
  id: number;
  /**
   * The policy as JSON, validated (also the worker's cache key). The worker judges by it without
   * validating it again: only CommandPolicy, which validated it, builds requests.
   */
  policy: string;
  command?: string;
  options: { cwd: string; home: string };
}

/** A worker's answer: the decision, or why the worker could not judge at all. */
export interface CheckReply {
  id: number;
  decision?: PolicyDecision;
  error?: string;
  /** The worker can no longer judge (its parser failed); the pool replaces it. */
  retire?: boolean;
}

/** Wall-clock limit of one check in a worker; past it the worker is terminated, `too-complex`. */
export const CHECK_DEADLINE_MS = 10_000;
// Two: a second agent's check runs while the first waits out a slow parse; more would only
// compete for the same cores.
const POOL_SIZE = 2;
// A check whose structures grow past this is refused (the worker dies) rather than the process.
const WORKER_HEAP_MB = 512;
// A worker keeps nothing of a check once it is judged (its parser and policies are all it holds),
// yet V8 grows its young generation as it would the orchestrator's, to 16 MB semi-spaces that
// every later check touches: ~8 MB more resident per worker than this limit allows, for a few more
// scavenges on the largest inputs (the verdicts do not change: the work budget decides them).
const WORKER_YOUNG_MB = 8;

// Built ESM and vitest have import.meta.url, built CJS __filename (see parser.ts).
const url = (import.meta as { url?: string }).url;
const anchor = url ? fileURLToPath(url) : __filename;

function workerSpec(): { file: string; eval: boolean } {
  const dir = dirname(anchor);
  if (anchor.endsWith('.ts')) {
    // From source (vitest, tsx): the worker is TypeScript too. tsx (a devDependency of the
    // repository) loads it with the repository's tsconfig paths, so sibling packages resolve to
    // their src/ as in the tests themselves.
    const tsx = dirname(createRequire(anchor).resolve('tsx/package.json'));
    const api = pathToFileURL(join(tsx, 'dist', 'esm', 'api', 'index.mjs')).href;
    const file = pathToFileURL(join(dir, 'policy-worker.ts')).href;
    const tsconfig = join(dir, '..', '..', 'tsconfig.json');
    const options = JSON.stringify({ parentURL: file, tsconfig });
    return {
      file: `import(${JSON.stringify(api)}).then((tsx) => tsx.tsImport(${JSON.stringify(file)}, ${options}));`,
      eval: true,
    };
  }
  // The build emits the worker beside the chunk that holds this code.
  return {
    file: join(dir, anchor.endsWith('.cjs') ? 'policy-worker.cjs' : 'policy-worker.mjs'),
    eval: false,
  };
}

let pool: DeadlinePool<Omit<CheckRequest, 'id'>, CheckReply> | undefined;

function startWorker(): Worker {
  const spec = workerSpec();
  return new Worker(spec.file, {
    eval: spec.eval,
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB, maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
  });
}

/** Judges `request` in a worker thread; `undefined` for a request without a command. */
export async function checkOffLoop(request: Omit<CheckRequest, 'id'>): Promise<PolicyDecision | undefined> {
  pool ??= new DeadlinePool({
    start: startWorker,
    size: POOL_SIZE,
    deadlineMs: CHECK_DEADLINE_MS,
    retires: (reply) => reply.retire === true,
  });
  const outcome = await pool.run(request);
  // A worker that could not judge, crashed, ran out of memory or overran fails the check closed.
  if ('lost' in outcome) return tooComplexDecision(lossText(outcome.lost));
  const { reply } = outcome;
  return reply.error === undefined ? reply.decision : tooComplexDecision(reply.error);
}

function lossText(loss: PoolLoss): string {
  if (loss.kind === 'deadline') return `judging it took longer than ${loss.ms / 1000} s`;
  if (loss.kind === 'error') return `the policy worker failed: ${loss.error.message}`;
  return `the policy worker exited with code ${loss.code}`;
}
