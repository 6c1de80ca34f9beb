// What a `PolicyDenied` error carries in `data`, whoever refused: the command policy, a plugin,
// the spawn guard, the raw-input judge or a connection's own policy. One shape, so a caller reads
// `rule` and `reason` without knowing which layer said no. Written with zod/mini: the client's
// browser entry uses the guard below.
import * as z from 'zod/mini';
import { ErrorCode, isOrchflowError, type OrchflowError } from '../errors';

/**
 * `data` of a `PolicyDenied` error. `rule` names what refused (`deniedCommands[0]: rm`,
 * `plugin:<name>`, `spawn-env:BASH_ENV`, `connection:…`, `raw-input:…`); `reason` says why in
 * words; `command` is the command line that was judged, absent when no command was (a spawn
 * config, a control key typed as raw input). Other fields may be added.
 */
export const PolicyDeniedDataSchema = z.looseObject({
  rule: z.string(),
  reason: z.string(),
  command: z.optional(z.string()),
  /** The plugin that refused, for `plugin:` rules. */
  plugin: z.optional(z.string()),
  /** True when that plugin failed (threw, timed out) rather than refused: fail closed. */
  pluginFailed: z.optional(z.boolean()),
  terminalId: z.optional(z.string()),
  agentId: z.optional(z.string()),
});
/** `data` of a `PolicyDenied` error. */
export type PolicyDeniedData = z.infer<typeof PolicyDeniedDataSchema>;

/** A `PolicyDenied` {@link OrchflowError} whose `data` has the documented shape. */
export type PolicyDeniedError = OrchflowError & { readonly data: PolicyDeniedData };

/**
 * True for a `PolicyDenied` error (also one from another copy of this package, or rebuilt from
 * the wire) whose `data` is a {@link PolicyDeniedData}.
 */
export function isPolicyDenied(value: unknown): value is PolicyDeniedError {
  return (
    isOrchflowError(value) &&
    value.code === ErrorCode.PolicyDenied &&
    PolicyDeniedDataSchema.safeParse(value.data).success
  );
}

/** The rule, reason and command of a `PolicyDenied` error, or `undefined` for any other value. */
export function policyDenial(value: unknown): PolicyDeniedData | undefined {
  return isPolicyDenied(value) ? value.data : undefined;
}
