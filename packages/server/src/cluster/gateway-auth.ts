// Auth of a cluster gateway (`orchflow serve --cluster`): the gateway holds no tokens of its own and
// decides nothing. Every token a caller presents (bearer header, `initialize`) is accepted here as
// an opaque credential and forwarded to the nodes, which authenticate it against their tokens
// files and enforce their policy plus the token's principal. Locally a caller is a stand-in
// principal for its token — one object per token, so an HTTP session stays bound to the token
// that opened it: an `agent` that may act as no agent id, which would be allowed nothing by an
// orchestrator (and the gateway serves none with it), yet is not a `viewer`, for whom the MCP
// server would register only its read-only tools before the nodes had a say. A caller without a
// token is forwarded without one: a node that needs one refuses it with its own Unauthorized.
import { createHash, randomBytes } from 'node:crypto';
import { ErrorCode, type InitializeParams, OrchflowError, type Principal } from '@orchflow/protocol';
import { TokenAuthenticator } from '../auth';

/** How many distinct tokens keep their principal object (the least recently used go first). */
export const GATEWAY_MAX_REMEMBERED_TOKENS = 4096;

/** The local stand-in principal of every gateway caller. */
const GATEWAY_CALLER = 'gateway-caller';

/** Accepts every token as an opaque credential to forward (see the module comment). */
export class GatewayAuthenticator extends TokenAuthenticator {
  private readonly byDigest = new Map<string, Principal>();
  private readonly tokenOfPrincipal = new WeakMap<Principal, string>();
  private readonly anonymous: Principal = standIn(`${GATEWAY_CALLER}:anonymous`);

  constructor() {
    // The base needs one entry; a random one nobody knows (and `lookup` below never consults it).
    super({ tokens: [{ token: randomBytes(32).toString('base64url'), principal: { kind: 'viewer' } }] });
  }

  /** Nothing is configured here; reported as 1 so transports ask every caller for its credential. */
  override get size(): number {
    return 1;
  }

  /** No principal is configured at the gateway (the monitor's login has none to stand behind). */
  override get principals(): readonly Principal[] {
    return [];
  }

  /** The stand-in principal of `token` (the same object for the same token). */
  override lookup(token: string): Principal | undefined {
    if (token === '') return undefined;
    const key = createHash('sha256').update(token, 'utf8').digest('hex');
    const known = this.byDigest.get(key);
    if (known) {
      // Refreshed: a busy token is not evicted by a stream of new ones.
      this.byDigest.delete(key);
      this.byDigest.set(key, known);
      return known;
    }
    const principal = standIn(GATEWAY_CALLER);
    this.tokenOfPrincipal.set(principal, token);
    this.byDigest.set(key, principal);
    if (this.byDigest.size > GATEWAY_MAX_REMEMBERED_TOKENS) {
      const oldest = this.byDigest.keys().next().value;
      if (oldest !== undefined) this.byDigest.delete(oldest);
    }
    return principal;
  }

  /** A caller without a token is forwarded without one. */
  override anonymousPrincipal(): Principal {
    return this.anonymous;
  }

  /** `initialize`'s token as a stand-in principal (the anonymous one without a token). */
  override readonly authenticate = (params: Pick<InitializeParams, 'token'>): Principal => {
    if (params.token === undefined || params.token === '') return this.anonymous;
    const principal = this.lookup(params.token);
    if (principal) return principal;
    throw new OrchflowError(ErrorCode.Unauthorized, 'The token is malformed');
  };

  /** The token `principal` stands for (undefined for the anonymous caller or a foreign principal). */
  tokenOf(principal: Principal | undefined): string | undefined {
    return principal === undefined ? undefined : this.tokenOfPrincipal.get(principal);
  }
}

/** A local stand-in: an agent principal that may act as no agent id. */
function standIn(name: string): Principal {
  return Object.freeze({ kind: 'agent', name, agentIds: [] });
}
