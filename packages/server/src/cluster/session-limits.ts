// What a node's sessions may hold, together: how many are open (per node and per token) and how
// many bytes their large messages occupy — a split message from its first part, a whole one of
// more than 64 KiB from its arrival, each until every request in it was answered (see
// session-wire.ts). Anyone with a token — a viewer's included — can ask a node for sessions and
// send it large messages, and each costs the node memory; without these bounds a few thousand
// session requests, a few dozen sessions each holding 15 of 16 parts of a 16 MiB message, or
// sessions each keeping 256 large requests running, ran a node out of memory. A message the
// budget has no room for is refused alone (its requests answered Overloaded), not its session. The
// shares keep one token from taking it all, as the WebSocket and HTTP servers' do
// (principal-slots.ts).
import type { ReassemblyBudget } from '@orchflow/client/internal';
import { ErrorCode, OrchflowError, type Principal } from '@orchflow/protocol';
import type { TokenAuthenticator } from '../auth';
import { defaultShare, PrincipalSlots } from '../limits/principal-slots';
import {
  DEFAULT_NODE_INITIALIZE_TIMEOUT_MS,
  DEFAULT_NODE_MAX_SESSIONS,
  DEFAULT_NODE_PART_TIMEOUT_MS,
  NODE_REASSEMBLY_MESSAGES,
} from './node-defaults';

/** The limits a node's sessions take (options of the node and of its sessions). */
export interface SessionLimitOptions {
  /** Sessions open at once. Default {@link DEFAULT_NODE_MAX_SESSIONS}. */
  maxSessions?: number;
  /** Sessions one principal (one token) may hold. Default: `defaultShare` of `maxSessions`. */
  maxSessionsPerPrincipal?: number;
  /** Time a session has to complete `initialize`. Default {@link DEFAULT_NODE_INITIALIZE_TIMEOUT_MS}. */
  initializeTimeoutMs?: number;
  /** Bytes all sessions' large messages (arriving or not yet answered) may hold. Default 4 × `maxMessageBytes`. */
  reassemblyBudgetBytes?: number;
  /** Time the next part of a split message may take. Default {@link DEFAULT_NODE_PART_TIMEOUT_MS}. */
  partTimeoutMs?: number;
}

/** What {@link NodeSessionLimits} is configured with (a subset of the node's session options). */
export interface NodeSessionLimitsOptions extends SessionLimitOptions {
  /** Names the node in refusals. */
  nodeId: string;
  /** The node's tokens: with more than one, each token's default share is half. */
  auth?: TokenAuthenticator;
  /** Largest message a session may send. */
  maxMessageBytes: number;
}

/** {@link NodeSessionLimitsOptions} with every default filled in. */
export interface NodeSessionLimitSettings {
  maxSessions: number;
  maxSessionsPerPrincipal: number;
  initializeTimeoutMs: number;
  reassemblyBytes: number;
  /** A token's share of `reassemblyBytes`: half with several tokens, never less than one message. */
  reassemblyBytesPerPrincipal: number;
  partTimeoutMs: number;
}

/** Fills in the defaults; throws InvalidParams for a budget too small for the largest message. */
export function nodeSessionLimitSettings(o: NodeSessionLimitsOptions): NodeSessionLimitSettings {
  const maxSessions = o.maxSessions ?? DEFAULT_NODE_MAX_SESSIONS;
  const reassemblyBytes = o.reassemblyBudgetBytes ?? NODE_REASSEMBLY_MESSAGES * o.maxMessageBytes;
  if (reassemblyBytes < o.maxMessageBytes) {
    // Such a node would refuse every message of the size it accepts.
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      `Invalid cluster node option 'reassemblyBudgetBytes': ${reassemblyBytes} is less than maxMessageBytes (${o.maxMessageBytes})`,
    );
  }
  return {
    maxSessions,
    maxSessionsPerPrincipal: o.maxSessionsPerPrincipal ?? defaultShare(maxSessions, o.auth),
    initializeTimeoutMs: o.initializeTimeoutMs ?? DEFAULT_NODE_INITIALIZE_TIMEOUT_MS,
    reassemblyBytes,
    // A token's share still fits the largest message it may send.
    reassemblyBytesPerPrincipal: Math.min(
      reassemblyBytes,
      Math.max(o.maxMessageBytes, defaultShare(reassemblyBytes, o.auth)),
    ),
    partTimeoutMs: o.partTimeoutMs ?? DEFAULT_NODE_PART_TIMEOUT_MS,
  };
}

const MIB = 1024 * 1024;

/** The node-wide and per-token bounds on sessions and on bytes of large messages held. */
export class NodeSessionLimits {
  private open = 0;
  private readonly shares: PrincipalSlots;
  private held = 0;
  private readonly heldBy = new Map<Principal, number>();
  private readonly o: NodeSessionLimitSettings & { nodeId: string };

  constructor(options: NodeSessionLimitsOptions) {
    this.o = { ...nodeSessionLimitSettings(options), nodeId: options.nodeId };
    this.shares = new PrincipalSlots(this.o.maxSessionsPerPrincipal, 'sessions');
  }

  /** How long a new session has to complete `initialize`. */
  get initializeTimeoutMs(): number {
    return this.o.initializeTimeoutMs;
  }

  /** How long the next part of a split message may take. */
  get partTimeoutMs(): number {
    return this.o.partTimeoutMs;
  }

  /** Sessions open now. */
  get sessions(): number {
    return this.open;
  }

  /** Bytes held in large messages now (still arriving, or not yet answered), over all sessions. */
  get reassemblyBytes(): number {
    return this.held;
  }

  /**
   * Counts a new session of `principal`; returns its release (which only counts once). Throws
   * Overloaded, saying which limit and what to do, when the node or the token is at its limit.
   */
  admit(principal: Principal): () => void {
    const { nodeId, maxSessions } = this.o;
    if (this.open >= maxSessions) {
      throw new OrchflowError(
        ErrorCode.Overloaded,
        `Node '${nodeId}' holds its limit of ${maxSessions} sessions (orchflow node --max-sessions); close sessions you no longer use, retry later, or use another node`,
        { reason: 'max-sessions', limit: maxSessions, nodeId },
      );
    }
    const share = this.shares.limit;
    if (this.shares.heldBy(principal) >= share) {
      throw new OrchflowError(
        ErrorCode.Overloaded,
        `This token holds ${share} sessions on node '${nodeId}', its share of the node's ${maxSessions} (--max-sessions; half each when the node has several tokens); close sessions it no longer uses or retry later`,
        { reason: 'max-sessions-per-token', limit: share, nodeId },
      );
    }
    const releaseShare = this.shares.take(principal);
    this.open++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open--;
      releaseShare();
    };
  }

  /** The reassembly budget the sessions of `principal` draw on: the node's total and the token's share. */
  budget(principal: Principal): ReassemblyBudget {
    return {
      take: (bytes) => this.take(principal, bytes),
      release: (bytes) => this.release(principal, bytes),
    };
  }

  private take(principal: Principal, bytes: number): void {
    const { nodeId, reassemblyBytes, reassemblyBytesPerPrincipal } = this.o;
    if (this.held + bytes > reassemblyBytes) {
      throw new OrchflowError(
        ErrorCode.Overloaded,
        `Node '${nodeId}' holds its limit of ${mib(reassemblyBytes)} in large messages from its sessions (still arriving, or not yet answered), so this message was refused; send it again later, or fewer large messages at once`,
        { reason: 'reassembly-budget', limit: reassemblyBytes, nodeId },
      );
    }
    const mine = this.heldBy.get(principal) ?? 0;
    if (mine + bytes > reassemblyBytesPerPrincipal) {
      throw new OrchflowError(
        ErrorCode.Overloaded,
        `This token's sessions on node '${nodeId}' hold ${mib(reassemblyBytesPerPrincipal)} in large messages (still arriving, or not yet answered), its share of the node's ${mib(reassemblyBytes)}, so this message was refused; send large messages one at a time, or again once earlier ones were answered`,
        { reason: 'reassembly-budget-per-token', limit: reassemblyBytesPerPrincipal, nodeId },
      );
    }
    this.held += bytes;
    this.heldBy.set(principal, mine + bytes);
  }

  private release(principal: Principal, bytes: number): void {
    this.held = Math.max(0, this.held - bytes);
    const left = (this.heldBy.get(principal) ?? 0) - bytes;
    if (left > 0) this.heldBy.set(principal, left);
    else this.heldBy.delete(principal);
  }
}

/** `bytes` for a refusal: whole MiB when it is some, else bytes (small test limits). */
function mib(bytes: number): string {
  return bytes % MIB === 0 ? `${bytes / MIB} MiB` : `${bytes} bytes`;
}
