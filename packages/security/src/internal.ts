// @orchflow/security/internal — building blocks other orchflow packages (core) compose into the
// orchestrator's enforcement. Not part of the public API: names and shapes here change without notice.
// Users configure all of this through a SecurityPolicy and `@orchflow/core`. The command judge's
// tables (programs, safe variables) stay out: they live in the policy worker's code, and a
// re-export here made every importer (each Orchestrator process) load and build them too.

export { canonicalJson } from './audit/canonical';
export { entryHash, GENESIS_HASH, sha256Hex } from './audit/entry';
export { policyDeniedError } from './command/command-policy';
export { SHELL_INTEGRATION_PREFIX } from './command/hook-names';
export { KEPT_ENV_VARS, scrubEnv } from './isolation/environment';
export { prlimitArgs } from './isolation/limits';
export { isolationSpecFor, needsLaunchWrapper, type TerminalPlacement } from './isolation/policy-spec';
export { bwrapArgs, SANDBOX_HIDDEN_DIRS, type SandboxOptions } from './isolation/sandbox';
export {
  DEFAULT_SANDBOX_USER,
  resolveSandboxUser,
  SANDBOX_USER_ENV,
  type SandboxUser,
} from './isolation/sandbox-user';
export {
  DeadlinePool,
  type DeadlinePoolOptions,
  type PoolLoss,
  type PoolOutcome,
} from './worker-pool/deadline-pool';
