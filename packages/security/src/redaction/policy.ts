// The redactor of one terminal: the secrets and patterns of the policies it runs under (the
// orchestrator's, and the caller's when its token carries one) plus the values of its own
// `secretEnv`. Undefined when there is nothing to redact, so such a terminal keeps the plain
// output path.
import type { SecurityPolicy } from '../policy/schema';
import { Redactor } from './redactor';
import type { RedactionPattern, RedactionSecret } from './rules';

/**
 * The redactor for a terminal under `policies` with `secretEnv` (each variable's name is the
 * secret's name); undefined when neither names a secret nor turns a pattern on. Built-ins are on
 * when any policy leaves them on, and for a terminal with `secretEnv` and no policy. Throws
 * InvalidParams for a secret or pattern the redactor refuses (e.g. a value under 4 characters).
 */
export function redactorForPolicy(
  policies: readonly (SecurityPolicy | undefined)[],
  secretEnv?: Readonly<Record<string, string>>,
): Redactor | undefined {
  const held = policies.filter((p): p is SecurityPolicy => p !== undefined);
  const secrets: RedactionSecret[] = [
    ...held.flatMap((p) => p.secrets ?? []),
    ...Object.entries(secretEnv ?? {}).map(([name, value]) => ({ name, value })),
  ];
  const patterns: RedactionPattern[] = held.flatMap((p) => p.redaction?.patterns ?? []);
  const builtins = held.length > 0 ? held.some((p) => p.redaction?.builtins !== false) : secrets.length > 0;
  if (secrets.length === 0 && patterns.length === 0 && !builtins) return undefined;
  return Redactor.create({ secrets, patterns, builtins });
}
