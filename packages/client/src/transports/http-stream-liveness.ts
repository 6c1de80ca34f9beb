// How the HTTP channel notices an event stream that went silent without closing (a connection a
// NAT entry or proxy dropped without a FIN or RST): a timer that aborts the stream's request
// unless every chunk of the body, keep-alive comments included, re-arms it.

/**
 * Aborts `attempt` once a period passes without `arm` being called again: armed at once for
 * `firstMs` (an unanswered request counts too); `arm(ms)` starts a period of `ms`, later calls
 * repeat the last one; 0 never aborts.
 */
export function silenceTimer(
  attempt: AbortController,
  firstMs: number,
): { arm: (ms?: number) => void; stop: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let period = firstMs;
  const arm = (ms = period): void => {
    period = ms;
    clearTimeout(timer);
    if (ms <= 0) return;
    timer = setTimeout(() => attempt.abort(new Error(`The event stream was silent for ${ms} ms`)), ms);
  };
  arm();
  return { arm, stop: () => clearTimeout(timer) };
}

/** `body`, calling `onChunk` for every chunk (keep-alive comments included). */
export async function* heard(
  body: AsyncIterable<Uint8Array>,
  onChunk: () => void,
): AsyncIterable<Uint8Array> {
  for await (const chunk of body) {
    onChunk();
    yield chunk;
  }
}
