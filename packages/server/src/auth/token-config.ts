// The token configuration: which secret tokens exist, which principal each one stands for and,
// optionally, the security policy its callers are held to on top of the orchestrator's, given
// inline or read from a JSON tokens file. Validated with zod so a typo in the file is reported
// with its path instead of silently granting or refusing access.
import { readFile } from 'node:fs/promises';
import { ErrorCode, isOrchflowError, OrchflowError, PrincipalSchema } from '@orchflow/protocol';
import {
  parseSecurityPolicy,
  type SecurityPolicy,
  type SecurityPolicyInput,
  SecurityPresets,
} from '@orchflow/security';
import { z } from 'zod';
import { MIN_TOKEN_LENGTH } from './token-length';

export { MIN_TOKEN_LENGTH } from './token-length';

type PresetName = keyof typeof SecurityPresets;
const PRESET_NAMES = Object.keys(SecurityPresets) as PresetName[];

function isPresetName(value: string): value is PresetName {
  return (PRESET_NAMES as string[]).includes(value);
}

function isPlainObject(value: unknown): value is SecurityPolicyInput {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The validated policy `value` names; reports what is wrong as issues of `ctx` instead. */
function resolvePolicy(value: string | SecurityPolicyInput, ctx: z.RefinementCtx): SecurityPolicy {
  if (typeof value === 'string') {
    if (isPresetName(value)) return SecurityPresets[value];
    ctx.addIssue({
      code: 'custom',
      message: `unknown preset '${value}'; use one of ${PRESET_NAMES.join(', ')} or a policy object`,
    });
    return z.NEVER;
  }
  try {
    return parseSecurityPolicy(value);
  } catch (error) {
    // parseSecurityPolicy lists every bad field as { path, message }; no value is echoed.
    const data = isOrchflowError(error)
      ? (error.data as { issues?: { path: string; message: string }[] })
      : {};
    for (const issue of data.issues ?? [{ path: '(policy)', message: String(error) }]) {
      ctx.addIssue({ code: 'custom', message: `${issue.path}: ${issue.message}` });
    }
    return z.NEVER;
  }
}

/**
 * A token's own security policy: a `SecurityPresets` name (`"aiSafe"`, `"locked"`, `"standard"`,
 * `"trusted"`) or a policy object as `withSecurityPolicy` takes it; parsed to the validated policy.
 */
export const TokenPolicySchema = z
  .union([
    z.string(),
    z.custom<SecurityPolicyInput>(isPlainObject, 'a security policy is a preset name or a policy object'),
  ])
  .transform(resolvePolicy);

// The wire schema of principals accepts unknown keys (newer peers may add some); a tokens file is
// configuration, where an unknown key is a typo (or a `policy` put inside the principal) that
// would silently leave a token with more than meant.
const [adminPrincipal, agentPrincipal, viewerPrincipal] = PrincipalSchema.options;
const StrictPrincipalSchema = z.discriminatedUnion('kind', [
  adminPrincipal.strict(),
  agentPrincipal.strict(),
  viewerPrincipal.strict(),
]);

/** One token, the principal it authenticates as and, optionally, its own security policy. */
export const TokenEntrySchema = z
  .object({
    /** The secret; at least {@link MIN_TOKEN_LENGTH} characters. */
    token: z.string().min(MIN_TOKEN_LENGTH, `tokens must be at least ${MIN_TOKEN_LENGTH} characters`),
    /**
     * Who a caller presenting this token is: `{ kind: 'admin' }`, an agent principal, or
     * `{ kind: 'viewer' }` (sees every terminal, controls none).
     */
    principal: StrictPrincipalSchema,
    /**
     * A policy the token's callers are held to in addition to the orchestrator's; the stricter
     * outcome wins (see `ConnectionPolicy` in @orchflow/core).
     */
    policy: TokenPolicySchema.optional(),
  })
  // A misspelt key (`polciy`) must not silently leave a token without its policy.
  .strict();
/** One token entry as written (a policy may still be a preset name). */
export type TokenEntry = z.input<typeof TokenEntrySchema>;

/** The tokens file / inline configuration: `{ "tokens": [{ "token", "principal", "policy"? }] }`. */
export const TokenConfigSchema = z.object({ tokens: z.array(TokenEntrySchema) }).strict();
/** The token configuration as written. */
export type TokenConfig = z.input<typeof TokenConfigSchema>;
/** A validated token configuration: every policy resolved and validated. */
type ValidTokenConfig = z.output<typeof TokenConfigSchema>;

/**
 * Validates a token configuration, resolving each policy; throws InvalidParams naming the
 * offending field (`tokens.2.policy: resourceLimits.maxMemoryMb: …`), never a token.
 */
export function parseTokenConfig(value: unknown, source = 'token configuration'): ValidTokenConfig {
  const parsed = TokenConfigSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  // Never echo the input: it holds secrets.
  const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new OrchflowError(
    ErrorCode.InvalidParams,
    `Invalid ${source}: ${issues.join('; ')}. Expected { "tokens": [{ "token": "…", "principal": { "kind": "admin" }, "policy": "aiSafe" (optional) }] }`,
  );
}

/** Reads and validates a JSON tokens file. */
export async function loadTokensFile(path: string): Promise<ValidTokenConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      `Cannot read tokens file '${path}': ${(error as Error).message}; check the path and its permissions`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      `Tokens file '${path}' is not valid JSON (${(error as Error).message}); fix the file and retry`,
    );
  }
  return parseTokenConfig(json, `tokens file '${path}'`);
}
