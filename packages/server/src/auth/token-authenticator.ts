// `TokenAuthenticator`: maps the token a client sends in `initialize` to a principal. Tokens are
// stored only as SHA-256 digests and every configured digest is compared with timingSafeEqual,
// so neither a token's content nor which entry matched shows in the response time. A token with
// its own policy yields a principal carrying one ConnectionPolicy built at startup and shared by
// all its connections, so every transport (which passes the principal on as is) enforces it.
import { createHash, timingSafeEqual } from 'node:crypto';
import { ConnectionPolicy } from '@orchflow/core';
import { ErrorCode, type InitializeParams, OrchflowError, type Principal } from '@orchflow/protocol';
import { loadTokensFile, parseTokenConfig, type TokenConfig } from './token-config';

interface StoredToken {
  digest: Buffer;
  principal: Principal;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Authenticates `initialize` requests against a fixed set of tokens. */
export class TokenAuthenticator {
  private readonly tokens: readonly StoredToken[];

  /**
   * Validates `config` (see `TokenConfigSchema`), building each token's policy once; throws
   * InvalidParams on a bad entry or a duplicate.
   */
  constructor(config: TokenConfig) {
    const valid = parseTokenConfig(config);
    const stored: StoredToken[] = [];
    for (const [index, entry] of valid.tokens.entries()) {
      const entryDigest = digest(entry.token);
      if (stored.some((other) => other.digest.equals(entryDigest))) {
        throw new OrchflowError(
          ErrorCode.InvalidParams,
          `tokens.${index} repeats an earlier token; give every principal its own token`,
        );
      }
      // Parsing returned a new principal object: a policy the caller bound to the one it passed
      // (`ConnectionPolicy.bind`) would be lost with it, and the token would run unrestricted.
      const bound = ConnectionPolicy.of(config.tokens[index]?.principal);
      if (bound && entry.policy) {
        throw new OrchflowError(
          ErrorCode.InvalidParams,
          `tokens.${index} has two security policies (its 'policy' and one bound to its principal); give it one`,
        );
      }
      const policy = bound ?? (entry.policy ? new ConnectionPolicy(entry.policy) : undefined);
      const principal = policy ? policy.bind(entry.principal) : Object.freeze(entry.principal);
      stored.push({ digest: entryDigest, principal });
    }
    this.tokens = stored;
  }

  /** An authenticator for the tokens in a JSON tokens file. */
  static async fromFile(path: string): Promise<TokenAuthenticator> {
    return new TokenAuthenticator(await loadTokensFile(path));
  }

  /** One token standing for `principal` (admin by default), e.g. a generated `--token`. */
  static single(token: string, principal: Principal = { kind: 'admin' }): TokenAuthenticator {
    return new TokenAuthenticator({ tokens: [{ token, principal }] });
  }

  /** How many tokens are configured. */
  get size(): number {
    return this.tokens.length;
  }

  /** The configured principals, in the order of their tokens (never the tokens themselves). */
  get principals(): readonly Principal[] {
    return this.tokens.map((entry) => entry.principal);
  }

  /** The principal of `token` (carrying the token's policy, if it has one), or undefined when none matches. */
  lookup(token: string): Principal | undefined {
    const presented = digest(token);
    let found: Principal | undefined;
    // No early exit: every entry is compared whether or not one already matched.
    for (const entry of this.tokens) {
      if (timingSafeEqual(entry.digest, presented) && found === undefined) found = entry.principal;
    }
    return found;
  }

  /**
   * The principal of a request without any token, when this authenticator admits one: never for a
   * server's own tokens; a cluster gateway's (which forwards tokens to its nodes) does.
   */
  anonymousPrincipal(): Principal | undefined {
    return undefined;
  }

  /** The `authenticate` hook of `serveChannel`: the token's principal, or throws Unauthorized. */
  readonly authenticate = (params: Pick<InitializeParams, 'token'>): Principal => {
    if (params.token === undefined || params.token === '') {
      throw new OrchflowError(
        ErrorCode.Unauthorized,
        "This server requires a token: pass it as 'token' in initialize (client option `token`, CLI `--token`)",
      );
    }
    const principal = this.lookup(params.token);
    if (principal) return principal;
    throw new OrchflowError(
      ErrorCode.Unauthorized,
      "The token was not accepted; use a token from the server's --token or --tokens file",
    );
  };
}
