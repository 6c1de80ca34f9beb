// The worker thread that judges commands off the orchestrator's event loop (see check-pool.ts).
// It keeps one PolicyJudge per distinct policy it has been sent (policies arrive validated, as
// JSON) and answers each request with its PolicyDecision; tree-sitter's WASM parser loads here.
import { parentPort } from 'node:worker_threads';
import type { Parser } from 'web-tree-sitter';
import type { CheckReply, CheckRequest } from './check-pool';
import { bashParser } from './parser';
import { PolicyJudge } from './policy-judge';

// Policies are few (one per Orchestrator and connection); the cap only bounds a misuse.
const MAX_POLICIES = 64;
const policies = new Map<string, PolicyJudge>();

function policyFor(key: string): PolicyJudge {
  let policy = policies.get(key);
  if (!policy) {
    if (policies.size >= MAX_POLICIES) policies.clear();
    // The key is the JSON of a policy CommandPolicy validated: it is not parsed again here.
    policy = new PolicyJudge(JSON.parse(key));
    policies.set(key, policy);
  }
  return policy;
}

const port = parentPort;
if (port) {
  port.on('message', async (request: CheckRequest) => {
    let reply: CheckReply;
    try {
      await bashParser();
      const decision =
        request.command === undefined
          ? undefined
          : policyFor(request.policy).judge(request.command, request.options);
      reply = { id: request.id, decision };
    } catch (error) {
      reply = { id: request.id, error: error instanceof Error ? error.message : String(error) };
    }
    // tree-sitter's WASM heap can run out on huge trees (a 30 000-stage pipeline, repeatedly), and
    // an aborted WASM instance fails every later parse. After a failed check, a parse of `true`
    // tells; if it fails too, the pool retires this worker and starts a fresh one.
    if (reply.decision?.rule === 'too-complex' || reply.error !== undefined)
      reply.retire = !parserWorks(await bashParser());
    port.postMessage(reply);
  });
}

function parserWorks(parser: Parser): boolean {
  try {
    parser.parse('true')?.delete();
    return true;
  } catch {
    return false;
  }
}
