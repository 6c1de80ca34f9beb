// `terminal_wait { until: 'output', pattern }`: the agent's regex runs on the server against new
// output, so its cost must stay bounded. JavaScript regexes cannot be interrupted and no check of
// a pattern's source tells every slow one (`(a|a)*c`, `.*.*.*x`), so the pattern is only parsed
// here, on the event loop (linear in its length); every test against output runs in a worker
// thread with a deadline (pattern-pool.ts), on a bounded window of text. Patterns with nested
// quantifiers (`(a+)+`, the best-known catastrophic shape) are still refused up front, with a
// clearer message than the deadline's.
import { ErrorCode, OrchflowError } from '@orchflow/protocol';

/** Longest pattern accepted, in characters. */
export const MAX_PATTERN_LENGTH = 500;
/** Most recent output a pattern is tested against, in characters. */
export const PATTERN_WINDOW_CHARS = 64 * 1024;

// A group containing a quantifier, itself quantified: `(a+)+`, `(a*)*`, `(?:x+){2,}`.
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{?]/;

/** Compiles an agent's pattern or throws `InvalidParams` saying what is wrong with it. */
export function compilePattern(pattern: string): RegExp {
  if (pattern.length === 0 || pattern.length > MAX_PATTERN_LENGTH) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      `pattern must be 1 to ${MAX_PATTERN_LENGTH} characters long`,
    );
  }
  if (NESTED_QUANTIFIER.test(pattern)) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      `pattern '${pattern}' has a quantified group containing a quantifier (like (a+)+), which can take exponential time; simplify it`,
    );
  }
  try {
    return new RegExp(pattern, 'm');
  } catch (error) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      `pattern is not a valid regular expression: ${(error as Error).message}`,
    );
  }
}
