// The token configuration: which secret tokens exist and which principal each one stands for,
// given inline or read from a JSON tokens file. Validated with zod so a typo in the file is
// reported with its path instead of silently granting or refusing access.
import { readFile } from 'node:fs/promises';
import { ErrorCode, OrchflowError, PrincipalSchema } from '@orchflow/protocol';
import { z } from 'zod';

/** Shortest token accepted: anything shorter is guessable. */
export const MIN_TOKEN_LENGTH = 16;

/** One token and the principal it authenticates as. */
export const TokenEntrySchema = z.object({
  /** The secret; at least {@link MIN_TOKEN_LENGTH} characters. */
  token: z.string().min(MIN_TOKEN_LENGTH, `tokens must be at least ${MIN_TOKEN_LENGTH} characters`),
  /** Who a caller presenting this token is: `{ kind: 'admin' }` or an agent principal. */
  principal: PrincipalSchema,
});
/** One token and the principal it authenticates as. */
export type TokenEntry = z.infer<typeof TokenEntrySchema>;

/** The tokens file / inline configuration: `{ "tokens": [{ "token", "principal" }] }`. */
export const TokenConfigSchema = z.object({ tokens: z.array(TokenEntrySchema) }).strict();
/** The token configuration. */
export type TokenConfig = z.infer<typeof TokenConfigSchema>;

/** Validates a token configuration; throws InvalidParams naming the offending field. */
export function parseTokenConfig(value: unknown, source = 'token configuration'): TokenConfig {
  const parsed = TokenConfigSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  // Never echo the input: it holds secrets.
  const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new OrchflowError(
    ErrorCode.InvalidParams,
    `Invalid ${source}: ${issues.join('; ')}. Expected { "tokens": [{ "token": "…", "principal": { "kind": "admin" } }] }`,
  );
}

/** Reads and validates a JSON tokens file. */
export async function loadTokensFile(path: string): Promise<TokenConfig> {
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
