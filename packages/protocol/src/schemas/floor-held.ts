// What a `FloorHeld` error carries in `data`: the terminal and who holds its floor. Written with
// zod/mini, like policy-denied.ts, because the client's browser entry uses the guard below.
import * as z from 'zod/mini';
import { ErrorCode, isOrchflowError, type OrchflowError } from '../errors';

/** `data` of a `FloorHeld` error: the terminal and its floor's holder. Other fields may be added. */
export const FloorHeldDataSchema = z.looseObject({
  terminalId: z.string(),
  holder: z.looseObject({
    name: z.string(),
    kind: z.enum(['admin', 'agent']),
    since: z.string(),
  }),
});
/** `data` of a `FloorHeld` error. */
export type FloorHeldData = z.infer<typeof FloorHeldDataSchema>;

/** A `FloorHeld` {@link OrchflowError} whose `data` has the documented shape. */
export type FloorHeldError = OrchflowError & { readonly data: FloorHeldData };

/**
 * True for a `FloorHeld` error (also one from another copy of this package, or rebuilt from the
 * wire) whose `data` is a {@link FloorHeldData}.
 */
export function isFloorHeld(value: unknown): value is FloorHeldError {
  return (
    isOrchflowError(value) &&
    value.code === ErrorCode.FloorHeld &&
    FloorHeldDataSchema.safeParse(value.data).success
  );
}

/** The terminal and holder named by a `FloorHeld` error, or `undefined` for any other value. */
export function floorHeld(value: unknown): FloorHeldData | undefined {
  return isFloorHeld(value) ? value.data : undefined;
}
