// What a security policy says about recording a terminal, applied to its spawn config: `none`
// refuses a spawn that asks to be recorded and marks the others not to be; `all` refuses an
// opt-out and marks every terminal to be recorded. Both the orchestrator's policy and the caller's
// ConnectionPolicy apply; the refusal is PolicyDenied (rule `recording`), raised at spawn.
import { ErrorCode, OrchflowError, type TerminalConfig } from '@orchflow/protocol';
import type { SecurityPolicy } from '@orchflow/security';

/** `config` with its `recording` as the policies decide; throws PolicyDenied when they forbid its request. */
export function applyRecordingPolicy(
  config: TerminalConfig,
  ...policies: ReadonlyArray<SecurityPolicy | undefined>
): TerminalConfig {
  const rules = policies.map((p) => p?.recording);
  const asked = config.recording;
  if (rules.includes('none')) {
    if (asked !== undefined && asked !== false) {
      throw denied(
        "Recording is forbidden by the security policy (recording: 'none'); spawn without `recording`",
      );
    }
    return asked === false ? config : { ...config, recording: false };
  }
  if (rules.includes('all')) {
    if (asked === false) {
      throw denied(
        "The security policy records every terminal (recording: 'all'); `recording: false` is refused",
      );
    }
    return asked === undefined ? { ...config, recording: true } : config;
  }
  return config;
}

function denied(message: string): OrchflowError {
  return new OrchflowError(ErrorCode.PolicyDenied, message, { rule: 'recording', reason: message });
}
