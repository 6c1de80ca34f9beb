// What keys an MCP session to its caller: the principal's fields and the per-token policy it
// carries. That policy is a non-enumerable mark (`ConnectionPolicy.bind`) that JSON drops, so two
// tokens with equal principals — one held to `locked`, one not — used to share one session, and
// the second ran its commands in the first's terminals under the first's policy, or the first
// under none. Tokens with equal principals and the same policy (or none) have the same authority.
import { ConnectionPolicy } from '@orchflow/core';
import type { Principal } from '@orchflow/protocol';

const policyIds = new WeakMap<ConnectionPolicy, number>();
let lastPolicyId = 0;

/** A string equal for two principals exactly when their fields and carried policy are the same. */
export function principalKey(principal: Principal | undefined): string {
  if (principal === undefined) return 'none';
  const policy = ConnectionPolicy.of(principal);
  let id = 0;
  if (policy) {
    id = policyIds.get(policy) ?? ++lastPolicyId;
    policyIds.set(policy, id);
  }
  return `${id}:${JSON.stringify(principal)}`;
}
