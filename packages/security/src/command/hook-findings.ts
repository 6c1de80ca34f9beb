// What the `protectShellIntegration` rule reports: a finding names the part of the command line
// and says whether the text itself reaches orchflow's shell integration or only a run-time value
// could (the policy checks the first kind early and the second, fail-closed kind last, so rules
// that already explain such a construct keep their reason).

/** A part of a command line that reaches (or may reach) orchflow's shell integration. */
export interface HookFinding {
  rule: string;
  reason: string;
  /** True when the text itself names the hooks; false when only a run-time value could. */
  certain: boolean;
}

/** The rule name in decisions. */
export const HOOK_RULE = 'shell-integration';

/** A finding about `snippet`; `detail` says what it does ("reads or changes PS1"). */
export function hookFinding(snippet: string, detail: string, certain: boolean): HookFinding {
  return {
    rule: HOOK_RULE,
    reason: `'${snippet.slice(0, 80)}' ${detail}: commands may not call, read or redefine orchflow's shell-integration hooks and prompt variables (protectShellIntegration)`,
    certain,
  };
}
