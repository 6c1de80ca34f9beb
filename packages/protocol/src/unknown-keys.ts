// The one InvalidParams an unknown key gets, whichever layer finds it: core's in-process option
// checks, the client's, and the protocol's strict param schemas over the wire. Each builds its
// message and `data` here, so a caller reads `data.unknownKeys` / `suggestion` / `knownKeys` the
// same way however it called. Browser-safe and free of zod (the client's bundle uses it).
import { suggestKey } from './suggest-key';

/**
 * `data` of an InvalidParams refusing unknown keys: every unknown key of the object (the message
 * names the first), the known key probably meant by the first (absent when none is close), and
 * the keys the object takes. Over the wire the same data also holds the zod `issues`.
 */
export interface UnknownKeysData {
  unknownKeys: string[];
  suggestion?: string;
  knownKeys: string[];
}

/**
 * The message and data of an InvalidParams refusing `unknown` (at least one key) of an object that
 * takes `known`: `Unknown key 'timeout' in execute options (did you mean 'timeoutMs'?). Known keys: …`,
 * with ` in <where>` only when `where` is given.
 */
export function unknownKeysError(
  unknown: readonly string[],
  known: readonly string[],
  where?: string,
): { message: string; data: UnknownKeysData } {
  const [key = '', ...others] = unknown;
  const suggestion = suggestKey(key, known);
  const hint = suggestion === undefined ? '' : ` (did you mean '${suggestion}'?)`;
  const also = others.length > 0 ? `; also unknown: ${others.join(', ')}` : '';
  const inWhere = where === undefined ? '' : ` in ${where}`;
  return {
    message: `Unknown key '${key}'${inWhere}${hint}${also}. Known keys: ${known.join(', ')}`,
    data:
      suggestion === undefined
        ? { unknownKeys: [...unknown], knownKeys: [...known] }
        : { unknownKeys: [...unknown], suggestion, knownKeys: [...known] },
  };
}

// A strict schema's error map sees the schema that refused the keys (and so the known keys); the
// issue zod hands on does not. The map records the data under the issue's `keys` array, which the
// finished issue shares (zod copies issues shallowly), for `schemaError` to put in the answer.
const recorded = new WeakMap<readonly string[], UnknownKeysData>();

/** Records `data` for the `unrecognized_keys` issue whose `keys` array is `keys`. */
export function recordUnknownKeys(keys: readonly string[], data: UnknownKeysData): void {
  recorded.set(keys, data);
}

/** The data a strict schema recorded for `issue`, when it is an `unrecognized_keys` issue of one. */
export function recordedUnknownKeys(issue: { code: string; keys?: unknown }): UnknownKeysData | undefined {
  if (issue.code !== 'unrecognized_keys' || !Array.isArray(issue.keys)) return undefined;
  return recorded.get(issue.keys);
}
