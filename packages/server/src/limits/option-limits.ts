// The numeric limits of a server's options, checked when it is built: a limit of 0, -1 or 1.5
// would otherwise refuse every connection, or none, far from where it was set.
import { ErrorCode, OrchflowError } from '@orchflow/protocol';

/**
 * Throws InvalidParams naming the first of `positive` that is set and not a positive integer, or
 * of `nonNegative` that is set and not an integer ≥ 0 (a grace of 0 means none).
 */
export function checkLimits<T extends object>(
  owner: string,
  options: T,
  positive: readonly (keyof T & string)[],
  nonNegative: readonly (keyof T & string)[] = [],
): void {
  for (const [keys, least] of [
    [positive, 1],
    [nonNegative, 0],
  ] as const) {
    for (const key of keys) {
      const value = options[key] as unknown;
      if (value === undefined || (Number.isSafeInteger(value) && (value as number) >= least)) continue;
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `${owner}: ${key} must be an integer ≥ ${least} (got ${JSON.stringify(value) ?? String(value)})`,
      );
    }
  }
}
