// Floor control: which person (if any) holds a terminal's floor. While someone holds it, only
// they may type into the terminal or run commands in it; everyone else gets `FloorHeld` (or,
// with `waitForFloor`, waits). Served by `terminal.floor.take` / `terminal.floor.release` and
// pushed as the `terminal.floor` notification. `FloorHeld`'s `data` is read with the guard in
// floor-held.ts (zod/mini, for the browser client).
import { z } from 'zod';
import { TerminalIdSchema } from './common';
import { strictParams } from './strict';

/** Who holds a terminal's floor: a name a person recognises, their principal's kind, and since when. */
export const FloorHolderSchema = z.object({
  /** The holder's name: their principal's `name`, else their client's `clientInfo.name`, else the kind. */
  name: z.string().min(1),
  kind: z.enum(['admin', 'agent']),
  /** ISO 8601 time the floor was taken. */
  since: z.string(),
});
/** Who holds a terminal's floor (see {@link FloorHolderSchema}). */
export type FloorHolder = z.infer<typeof FloorHolderSchema>;

/** A terminal's floor: its holder, or null when nobody holds it. */
export const FloorStateSchema = z.object({
  terminalId: TerminalIdSchema,
  holder: FloorHolderSchema.nullable(),
});
/** A terminal's floor (see {@link FloorStateSchema}); also the params of `terminal.floor`. */
export type FloorState = z.infer<typeof FloorStateSchema>;

/** Params of `terminal.floor.take`; the result is the terminal's `FloorState`. */
export const FloorTakeParamsSchema = strictParams({
  terminalId: TerminalIdSchema,
  /**
   * Take the floor even though someone else holds it (they get a `terminal.floor` notification
   * naming the new holder). Admin principals only: anyone else gets Forbidden. Default false.
   */
  force: z.boolean().optional(),
});
/** Params of `terminal.floor.take`. */
export type FloorTakeParams = z.infer<typeof FloorTakeParamsSchema>;

/** Params of `terminal.floor.release`; the result is the terminal's `FloorState`. */
export const FloorReleaseParamsSchema = strictParams({ terminalId: TerminalIdSchema });
/** Params of `terminal.floor.release`. */
export type FloorReleaseParams = z.infer<typeof FloorReleaseParamsSchema>;
