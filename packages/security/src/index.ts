// @orchflow/security — command policy, isolation, resource limits and audit for orchflow terminals.
// Building blocks that only other orchflow packages compose (argv builders, hash-chain helpers,
// program lists) live in ./internal, outside the public API.

export { type AuditHead, AuditLog } from './audit/audit-log';
export type {
  AuditDecision,
  AuditEnd,
  AuditEntry,
  AuditInput,
  AuditRecord,
  AuditToolCall,
} from './audit/entry';
export { type AuditVerification, type VerifyAuditOptions, verifyAuditLog } from './audit/verify';
export { CommandPolicy } from './command/command-policy';
export { SHELL_INTEGRATION_VARIABLES } from './command/hook-names';
export { MAX_COMMAND_BYTES } from './command/limits';
export type { Assignment, CheckOptions, ParsedCommand, PolicyDecision, WrapperUse } from './command/types';
export { availableIsolationLevels } from './isolation/available';
export {
  type ContainerEngine,
  type ContainerRunOptions,
  containerRunArgs,
  requireContainerEngine,
} from './isolation/container';
export { createLaunchWrapper, type LaunchWrapperOptions } from './isolation/launch';
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
export { redactorForPolicy } from './redaction/policy';
export {
  createRedactor,
  Redactor,
  type RedactorOptions,
  StreamRedactor,
} from './redaction/redactor';
export {
  BUILTIN_REDACTION_PATTERNS,
  MIN_SECRET_LENGTH,
  type RedactionPattern,
  type RedactionSecret,
} from './redaction/rules';
