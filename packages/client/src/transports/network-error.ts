// What a failed HTTP request says: `fetch failed` (and node:http's error, which the Node exchange
// reports the same way) hides why in its `cause` — `connect ECONNREFUSED 127.0.0.1:7778`, a
// DNS failure, a TLS error — which is what the person reading the message needs.

/** Most causes followed: each is usually one layer (fetch → socket error). */
const MAX_CAUSES = 3;

/** `error`'s message followed by its causes': `fetch failed: connect ECONNREFUSED 127.0.0.1:7778`. */
export function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const parts = [error.message || error.name];
  let cause: unknown = error.cause;
  for (let depth = 0; depth < MAX_CAUSES && cause instanceof Error; depth++) {
    const text = ownText(cause);
    if (text !== '' && !parts.some((part) => part.includes(text))) parts.push(text);
    cause = cause.cause;
  }
  return parts.join(': ');
}

/** The message of one cause; an AggregateError (one per address tried) lists its errors'. */
function ownText(error: Error): string {
  if (error.message !== '') return error.message;
  if (error instanceof AggregateError) {
    return error.errors
      .map((inner: unknown) => (inner instanceof Error ? inner.message : String(inner)))
      .join('; ');
  }
  const { code } = error as { code?: unknown };
  return typeof code === 'string' ? code : '';
}
