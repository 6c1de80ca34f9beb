// Strict param objects for the methods that act on terminals. Their option objects are where a
// typo changes what happens without a word (`{ timeout: 500 }` for `timeoutMs` ran the command
// with no timeout at all; `{ agentID }` made `killAll` kill every terminal), so an unknown key is
// refused as InvalidParams naming it, and the key probably meant. Read-only methods, results and
// notifications stay open to fields from newer peers. See docs/protocol.md, "Unknown keys".
import { z } from 'zod';
import { recordUnknownKeys, unknownKeysError } from '../unknown-keys';

/**
 * The message of an `unrecognized_keys` issue: each key, with the one probably meant. Its data
 * (`unknownKeys`, `suggestion`, `knownKeys`) is recorded for the InvalidParams answer.
 */
function unknownKeysMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'unrecognized_keys') return undefined;
  // `inst` is the object schema that refused the keys (after `.extend()`, the extended one).
  const shape = (issue.inst as { _zod?: { def?: { shape?: Record<string, z.core.$ZodType> } } } | undefined)
    ?._zod?.def?.shape;
  // Not keys a field refuses whatever its value (`progress: never`, kept to explain its removal).
  const known = Object.entries(shape ?? {})
    .filter(([, field]) => !refusesEveryValue(field))
    .map(([key]) => key);
  if (issue.keys.length === 0) return undefined;
  const { message, data } = unknownKeysError(issue.keys, known);
  recordUnknownKeys(issue.keys, data);
  return message;
}

function refusesEveryValue(field: z.core.$ZodType): boolean {
  const def = field._zod.def as { type: string; innerType?: z.core.$ZodType };
  if (def.type === 'never') return true;
  return def.type === 'optional' && def.innerType !== undefined && refusesEveryValue(def.innerType);
}

/**
 * `z.strictObject(shape)` whose unknown keys are refused with a message naming each one and the
 * key probably meant. `.extend()` keeps both.
 */
export function strictParams<Shape extends z.core.$ZodLooseShape>(
  shape: Shape,
): z.ZodObject<Shape, z.core.$strict> {
  return z.strictObject(shape, { error: unknownKeysMessage });
}
