// The key a caller probably meant when it passed one that is not known: shared by the protocol's
// strict param schemas, core's in-process option checks and the client's, so the three say the
// same thing for the same typo. Browser-safe and free of zod (the client's bundle uses it).

// Spellings that are not typos of the right key but another word for it. An alias is offered only
// when its target is one of the known keys.
const ALIASES: Readonly<Record<string, string>> = {
  timeout: 'timeoutMs',
  idleTimeout: 'idleTimeoutMs',
  idle: 'idleTimeoutMs',
  maxOutput: 'maxOutputBytes',
  maxBytes: 'maxOutputBytes',
  agent: 'agentId',
  progress: 'onOutput',
  environment: 'env',
  enviroment: 'env',
  workdir: 'cwd',
  dir: 'cwd',
  directory: 'cwd',
  offset: 'fromOffset',
  from: 'fromOffset',
  policy: 'securityPolicy',
  security: 'securityPolicy',
  mode: 'executionMode',
  audit: 'auditLog',
};

/**
 * The known key `key` probably meant: an alias (`timeout` → `timeoutMs`), the same letters in
 * another case, a known key it starts (`maxTerminal` → `maxTerminals`), or a small typo (at most
 * two edits, and fewer than a third of the key: `cols` is no typo of `cwd`); undefined when none is
 * close.
 */
export function suggestKey(key: string, known: Iterable<string>): string | undefined {
  const candidates = [...known];
  const alias = Object.hasOwn(ALIASES, key) ? ALIASES[key] : undefined;
  if (alias !== undefined && candidates.includes(alias)) return alias;
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const c = candidate.toLowerCase();
    if (c === lower) return candidate;
    const distance = lower.length >= 4 && c.startsWith(lower) ? 0.5 : editDistance(lower, c);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.min(2, Math.floor(key.length / 3)) || bestDistance === 0.5 ? best : undefined;
}

/** Levenshtein distance (the strings are option names: short). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
