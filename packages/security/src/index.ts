// @orchflow/security — command policy, isolation, resource limits and audit for orchflow terminals.

export { type AuditHead, AuditLog } from './audit/audit-log';
// Isolation and audit.
export { canonicalJson } from './audit/canonical';
export {
  type AuditDecision,
  type AuditEnd,
  type AuditEntry,
  type AuditRecord,
  entryHash,
  GENESIS_HASH,
  sha256Hex,
} from './audit/entry';
export { type AuditVerification, type VerifyAuditOptions, verifyAuditLog } from './audit/verify';
export { SAFE_ENVIRONMENT, SHELL_CONTROL_VARIABLES } from './command/assignments';
export {
  NETWORK_PROGRAMS,
  READING_PROGRAMS,
  SPAWNING_PROGRAMS,
  WRITING_PROGRAMS,
} from './command/capabilities';
export { CommandPolicy, policyDeniedError } from './command/command-policy';
export { SHELL_INTEGRATION_PREFIX, SHELL_INTEGRATION_VARIABLES } from './command/hook-names';
export { MAX_COMMAND_BYTES } from './command/limits';
export type { Assignment, CheckOptions, ParsedCommand, PolicyDecision, WrapperUse } from './command/types';
export { availableIsolationLevels } from './isolation/available';
export {
  type ContainerEngine,
  type ContainerRunOptions,
  containerRunArgs,
  requireContainerEngine,
} from './isolation/container';
export { KEPT_ENV_VARS, scrubEnv } from './isolation/environment';
export { createLaunchWrapper, type LaunchWrapperOptions } from './isolation/launch';
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
  DEFAULT_CONTAINER_IMAGE,
  type IsolationSpec,
  type LaunchCommand,
  type LaunchTarget,
  type LaunchWrapper,
} from './isolation/types';
export { canWriteRawInput, SecurityPresets, trustsRawInput } from './policy/presets';
export {
  type AllowRule,
  type AllowRuleInput,
  AllowRuleSchema,
  type Capabilities,
  CapabilitiesSchema,
  CommandRuleSchema,
  DANGEROUS_VARIABLES,
  type IsolationLevel,
  IsolationLevelSchema,
  type NetworkPolicy,
  NetworkPolicySchema,
  parseSecurityPolicy,
  type ResourceLimits,
  ResourceLimitsSchema,
  type SecurityPolicy,
  type SecurityPolicyInput,
  SecurityPolicySchema,
} from './policy/schema';
