// The agent's policy: orchflow's `standard` preset (destructive and privileged commands and
// secret paths denied, process limits) plus two things an agent loop needs: answering programs
// that ask on the terminal (raw input, judged at the shell prompt) and a 2-minute cap per command.
import { type SecurityPolicyInput, SecurityPresets } from '@orchflow/security';

/** `standard`, with raw input allowed (judged) and a 2-minute execute cap. */
export function agentPolicy(): SecurityPolicyInput {
  const standard = SecurityPresets.standard;
  return {
    ...standard,
    resourceLimits: { ...standard.resourceLimits, executionTimeoutMs: 120_000 },
    // Typed lines at the shell prompt are judged like commands; input to a program that is
    // reading (release.mjs's question) goes to it as typed.
    capabilities: { ...standard.capabilities, canWriteRawInput: true },
  };
}
