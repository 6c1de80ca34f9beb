// Bounds on what the policy judges: a size limit checked before parsing, and the error that any
// step throws when a command is beyond what it can judge. CommandPolicy turns that error, and any
// other exception while parsing or judging, into a `too-complex` denial (fail closed). Nothing here
// imports the parser: CommandPolicy checks the size on the main thread, which loads no judging code.
import type { PolicyDecision } from './types';

/** The largest command text (UTF-8 bytes) the policy judges; longer ones are denied `too-large`. */
export const MAX_COMMAND_BYTES = 65536;

/** Thrown by a step that cannot judge a command exactly; becomes a `too-complex` denial. */
export class TooComplexError extends Error {
  /** `why` names the construct that could not be judged. */
  constructor(why: string) {
    super(why);
    this.name = 'TooComplexError';
  }
}

/** The `too-complex` denial (fail closed): nothing of the command is known; `why` says what failed. */
export function tooComplexDecision(why?: string): PolicyDecision {
  return {
    allowed: false,
    rule: 'too-complex',
    reason: `the command is too complex to judge${why ? ` (${why})` : ''}; split it into simpler commands`,
    commands: [],
  };
}

/** The `too-large` denial of a command over {@link MAX_COMMAND_BYTES}, or undefined. */
export function sizeDenial(command: string): PolicyDecision | undefined {
  const bytes = Buffer.byteLength(command, 'utf8');
  if (bytes <= MAX_COMMAND_BYTES) return undefined;
  return {
    allowed: false,
    rule: 'too-large',
    reason: `the command is ${bytes} bytes, more than the ${MAX_COMMAND_BYTES} bytes the policy judges; write long input to a file instead`,
    commands: [],
  };
}
