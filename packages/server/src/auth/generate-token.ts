// Fresh random tokens for servers started without a configured one (e.g. `pnpm start`).
import { randomBytes } from 'node:crypto';

/** Bytes of entropy in a generated token (256 bits). */
export const GENERATED_TOKEN_BYTES = 32;

/** A new random token, URL-safe base64 (43 characters). */
export function generateToken(): string {
  return randomBytes(GENERATED_TOKEN_BYTES).toString('base64url');
}
