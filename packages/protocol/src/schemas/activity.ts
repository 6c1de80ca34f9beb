// What a terminal is doing right now, as the kernel and the shell integration see it: at its
// prompt, running a command, blocked reading the terminal (a person or agent must answer), or
// gone. Served by `terminal.activity` and pushed as the `terminal.activity` notification.
import { z } from 'zod';
import { ProtocolLimits, TerminalIdSchema } from './common';

/**
 * `idle`: the shell waits at its prompt; `running`: a command runs; `awaiting_input`: the
 * command in flight (or a program in front of the terminal) is blocked reading the terminal;
 * `exited`: the terminal's process has ended.
 */
export const ActivityStateSchema = z.enum(['idle', 'running', 'awaiting_input', 'exited']);
/** One of the four activity states (see {@link ActivityStateSchema}). */
export type ActivityState = z.infer<typeof ActivityStateSchema>;

/** What a terminal is doing: the result of `terminal.activity` and the params of its notification. */
export const TerminalActivitySchema = z.object({
  terminalId: TerminalIdSchema,
  activity: ActivityStateSchema,
  /** Text of the `execute()` in flight, when orchflow typed it (absent for commands typed by hand). */
  command: z.string().max(ProtocolLimits.maxCommandLength).optional(),
  /** ISO time the current activity began (the command's start for `running`/`awaiting_input`). */
  since: z.string().optional(),
  /**
   * With `awaiting_input`: ISO time this wait began. A program that reads an answer and asks again
   * is a new wait with a later time (and a change event), even when no poll saw it running between.
   */
  waitingSince: z.string().optional(),
  /** Process group holding the terminal (its leader's pid), when a command other than the shell holds it. */
  foregroundPid: z.number().int().positive().optional(),
  /** The terminal's exit code once `exited` (null when a signal ended it). */
  exitCode: z.number().int().nullable().optional(),
  /** The signal that ended the terminal, once `exited` (null when it exited normally). */
  signal: z.string().nullable().optional(),
});
/** What a terminal is doing (see {@link TerminalActivitySchema}). */
export type TerminalActivity = z.infer<typeof TerminalActivitySchema>;
