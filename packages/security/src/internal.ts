// @orchflow/security/internal — building blocks other orchflow packages (core) compose into the
// orchestrator's enforcement. Not part of the public API: names and shapes here change without notice.
// Users configure all of this through a SecurityPolicy and `@orchflow/core`.

export { canonicalJson } from './audit/canonical';
export { entryHash, GENESIS_HASH, sha256Hex } from './audit/entry';
export { SAFE_ENVIRONMENT, SHELL_CONTROL_VARIABLES } from './command/assignments';
export {
  NETWORK_PROGRAMS,
  READING_PROGRAMS,
  SPAWNING_PROGRAMS,
  WRITING_PROGRAMS,
} from './command/capabilities';
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
