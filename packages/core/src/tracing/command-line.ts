// Whether a command's span may carry its text (`process.command_line`). Command lines can hold
// what an agent should not spread (paths, hosts, a token typed inline), and a trace backend is
// often readable by more people than the audit log; so outside trusted setups it is opt-in.
import { type SecurityPolicy, trustsRawInput } from '@orchflow/security';

/**
 * True when every policy that applies lets traces carry command lines: a policy's
 * `tracing.commandLine`, else true only for a policy as open as `trusted`; no policy at all: true.
 */
export function tracesCommandLine(...policies: readonly (SecurityPolicy | undefined)[]): boolean {
  return policies.every(
    (policy) => policy === undefined || (policy.tracing?.commandLine ?? trustsRawInput(policy)),
  );
}
