// Building blocks shared by method and notification schemas: identifiers, bounded numbers, and
// the limits that keep one request from asking the server for unbounded work or memory.
import { z } from 'zod';

const MiB = 1024 * 1024;

/** Upper bounds enforced by the method schemas; a request beyond them is `InvalidParams`. */
export const ProtocolLimits = {
  /** Longest id (terminal, agent, subscription, transaction), in characters. */
  maxIdLength: 256,
  /** Longest command for `terminal.execute` and batches, in characters. */
  maxCommandLength: MiB,
  /** Longest input for one `terminal.write`, in characters. */
  maxWriteLength: MiB,
  /** Largest `timeoutMs` / `idleTimeoutMs`: one day. Omit the timeout for longer commands. */
  maxTimeoutMs: 24 * 60 * 60 * 1000,
  /** Largest `maxOutputBytes` of one result: results travel as one JSON message. */
  maxOutputBytes: 64 * MiB,
  /** Largest `maxBytes` of one `terminal.read`. */
  maxReadBytes: 16 * MiB,
  /** Most commands in one `terminal.batchExecute` or `tx.commit`. */
  maxBatchCommands: 256,
  /** Largest `cols` / `rows`, matching `TerminalConfig`. */
  maxDimension: 1000,
} as const;

// Control characters would corrupt logs, tmux session names and audit lines.
const idString = z
  .string()
  .min(1)
  .max(ProtocolLimits.maxIdLength)
  .regex(/^\P{Cc}+$/u, 'Ids must not contain control characters');

/** A terminal id as returned by `terminal.spawn`. */
export const TerminalIdSchema = idString;
/** An agent id: the owner of terminals, chosen by the caller. */
export const AgentIdSchema = idString;
/** A subscription id as returned by `terminal.subscribe`. */
export const SubscriptionIdSchema = idString;
/** A transaction id as returned by `tx.begin`. */
export const TxIdSchema = idString;

/** An absolute byte offset into a terminal's output. */
export const OffsetSchema = z.number().int().nonnegative();

/** A shell command line: not empty, at most {@link ProtocolLimits}.maxCommandLength characters. */
export const CommandTextSchema = z.string().min(1).max(ProtocolLimits.maxCommandLength);

/** A number of milliseconds for a timeout, at most {@link ProtocolLimits}.maxTimeoutMs. */
export const TimeoutMsSchema = z.number().int().positive().max(ProtocolLimits.maxTimeoutMs);

/** A terminal width or height in cells. */
export const DimensionSchema = z.number().int().min(1).max(ProtocolLimits.maxDimension);

/** A POSIX signal name such as `SIGTERM`. */
export const SignalNameSchema = z.string().regex(/^SIG[A-Z0-9]+$/, 'Use a signal name such as SIGTERM');

/** How a `data` string is encoded: UTF-8 text, or base64 for arbitrary bytes. */
export const DataEncodingSchema = z.enum(['utf8', 'base64']);
/** How a `data` string is encoded. */
export type DataEncoding = z.infer<typeof DataEncodingSchema>;

/** A token correlating `$/progress` notifications with the request that asked for them. */
export const ProgressTokenSchema = z.union([
  z.string().min(1).max(ProtocolLimits.maxIdLength),
  z.number().int(),
]);
/** A progress token. */
export type ProgressToken = z.infer<typeof ProgressTokenSchema>;
