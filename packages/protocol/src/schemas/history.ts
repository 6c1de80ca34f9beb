// A terminal's command history, as the shell integration sees it: every command orchflow's
// `execute()` ran and every command line a person or agent typed at the shell's prompt, with its
// exit code and duration. Served by `terminal.history`; the record is also what recordings mark.
import { z } from 'zod';
import { ProtocolLimits, TerminalIdSchema } from './common';

/** Commands a terminal keeps in its history; older ones are dropped first. */
export const COMMAND_HISTORY_LIMIT = 200;
/** Commands `terminal.history` returns when no `limit` is given. */
export const DEFAULT_HISTORY_LIMIT = 100;

/** Where a command came from: orchflow's `execute()`, or a line typed at the prompt (`terminal.write`, a person). */
export const CommandSourceSchema = z.enum(['execute', 'typed']);
/** Where a command came from (see {@link CommandSourceSchema}). */
export type CommandSource = z.infer<typeof CommandSourceSchema>;

/** One command of a terminal's history. `durationMs` and `exitCode` are absent while it runs. */
export const CommandRecordSchema = z.object({
  /** The command line as written (by `execute()`, or as typed). */
  command: z.string().max(ProtocolLimits.maxCommandLength),
  /** ISO 8601 time the command started. */
  startedAt: z.string(),
  /** How long it ran, in ms; absent while it runs. */
  durationMs: z.number().nonnegative().optional(),
  /** Its exit status; null when a signal or the shell's end ended it; absent while it runs. */
  exitCode: z.number().int().nullable().optional(),
  /** The shell's working directory when it started. */
  cwd: z.string().optional(),
  source: CommandSourceSchema,
});
/** One command of a terminal's history. */
export type CommandRecord = z.infer<typeof CommandRecordSchema>;

/** Params of `terminal.history`. */
export const HistoryParamsSchema = z.object({
  terminalId: TerminalIdSchema,
  /** The newest this many commands. Default {@link DEFAULT_HISTORY_LIMIT}. */
  limit: z.number().int().min(1).max(1000).optional(),
});
/** Params of `terminal.history`. */
export type HistoryParams = z.infer<typeof HistoryParamsSchema>;

/** Result of `terminal.history`: the newest commands, oldest first. */
export const HistoryResultSchema = z.object({ commands: z.array(CommandRecordSchema) });
/** Result of `terminal.history`. */
export type HistoryResult = z.infer<typeof HistoryResultSchema>;
