// Shared token → principal model of every orchflow server.
export { assertSafeBind, DEFAULT_HOST, isLoopbackHost } from './bind';
export { connectionAuth, LOCAL_DEFAULT_PRINCIPAL } from './connection-auth';
export { GENERATED_TOKEN_BYTES, generateToken } from './generate-token';
export { TokenAuthenticator } from './token-authenticator';
export {
  loadTokensFile,
  MIN_TOKEN_LENGTH,
  parseTokenConfig,
  type TokenConfig,
  TokenConfigSchema,
  type TokenEntry,
  TokenEntrySchema,
  TokenPolicySchema,
} from './token-config';
