// Unknown option keys are refused, not dropped: `{ timeout: 500 }` (for `timeoutMs`) would
// otherwise run a command with no timeout at all. Each public entry point that takes an options
// object lists its keys once, typed against its options type so a key added there must be listed
// here too (a missing one fails the typecheck), and checks the caller's object against that list:
// InvalidParams naming the unknown key and, for a near miss, the key that was probably meant.
import { unknownKeysError } from '@orchflow/protocol';
import { invalidParams } from './errors';

/** The keys an options object may have. */
export type KnownKeys = ReadonlySet<string>;

/**
 * The key set of options type `T`: `keys` must name every key of `T` (the typecheck says which is
 * missing) and nothing else.
 */
export function knownKeys<T extends object>(
  keys: { readonly [K in keyof Required<T> & string]: true },
): KnownKeys {
  return new Set(Object.keys(keys));
}

/** The same set with `more` keys (accepted, and either used or deliberately stripped by the caller). */
export function withKeys(known: KnownKeys, ...more: string[]): KnownKeys {
  return new Set([...known, ...more]);
}

/**
 * Throws InvalidParams when `value` is not a plain object (undefined passes: no options), or names
 * a key outside `known`: then with `data: { unknownKeys, suggestion?, knownKeys }` (protocol's
 * `UnknownKeysData`, as the client's checks and a server's strict params over the wire give it).
 * `what` names the options in the message (`execute options`). Keys of
 * `passThrough` (fields of a wire schema that a layer above hands on as they were parsed) pass
 * while their value is undefined, and are unknown keys otherwise.
 */
export function checkKeys(what: string, value: unknown, known: KnownKeys, passThrough?: KnownKeys): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidParams(`Invalid ${what}: expected an object, got ${describe(value)}`, {
      value: describe(value),
    });
  }
  const record = value as Record<string, unknown>;
  const isUnknown = (key: string): boolean =>
    !known.has(key) && !(passThrough?.has(key) === true && record[key] === undefined);
  // A loop without an array: this runs on every execute.
  for (const key in record) {
    if (Object.hasOwn(record, key) && isUnknown(key)) throw unknownKey(what, record, known, isUnknown);
  }
}

function unknownKey(
  what: string,
  value: object,
  known: KnownKeys,
  isUnknown: (key: string) => boolean,
): Error {
  const { message, data } = unknownKeysError(Object.keys(value).filter(isUnknown), [...known], what);
  return invalidParams(message, data);
}

/** A short description of a non-object value for an error message. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 64))}`;
  return typeof value === 'object' || typeof value === 'function' ? typeof value : String(value);
}
