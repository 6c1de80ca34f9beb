// Params of the notifications the server sends: streamed output, exits, execute progress,
// process metrics, security alerts and gap notices. Like method params they are not strict.
import { z } from 'zod';
import { RequestIdSchema } from '../jsonrpc';
import {
  AgentIdSchema,
  DataEncodingSchema,
  OffsetSchema,
  ProtocolLimits,
  SubscriptionIdSchema,
  TerminalIdSchema,
} from './common';
import { ExitInfoSchema, OutputChunkSchema, ProcessMetricsSchema } from './domain';

/** Params of `terminal.output`: a chunk of a subscribed terminal's output. */
export const TerminalOutputParamsSchema = OutputChunkSchema.extend({
  terminalId: TerminalIdSchema,
  /** The subscription this chunk is delivered for, when the receiver holds several. */
  subscriptionId: SubscriptionIdSchema.optional(),
  /** How `data` is encoded. Default `utf8`. */
  encoding: DataEncodingSchema.optional(),
  /**
   * Absolute byte offset one past the chunk's last byte: where to resume. Use it rather than the
   * length of `data`, which differs from the byte count when the output was not valid UTF-8.
   */
  nextOffset: OffsetSchema.optional(),
});
/** Params of `terminal.output`. */
export type TerminalOutputParams = z.infer<typeof TerminalOutputParamsSchema>;

/** Params of `terminal.exit`: a terminal's process has exited. */
export const TerminalExitParamsSchema = ExitInfoSchema.extend({ terminalId: TerminalIdSchema });
/** Params of `terminal.exit`. */
export type TerminalExitParams = z.infer<typeof TerminalExitParamsSchema>;

/**
 * Live output of a running `terminal.execute`: the `value` of each `$/progress` sent to a request
 * that carried `_meta.progressToken`.
 */
export const ExecuteProgressParamsSchema = OutputChunkSchema.extend({
  terminalId: TerminalIdSchema,
  /** Id of the `terminal.execute` request; absent for commands not started over RPC. */
  requestId: z.optional(RequestIdSchema),
  /** Absolute byte offset one past the chunk's last byte (not derivable from `data`; see `terminal.output`). */
  nextOffset: OffsetSchema.optional(),
  /**
   * True on one notification with empty `data`, sent once the command passed admission (plugins,
   * policy) and was queued to run; `offset` is then the end of the terminal's output so far.
   */
  started: z.boolean().optional(),
});
/** Live output of a running `terminal.execute` (a `$/progress` value). */
export type ExecuteProgressParams = z.infer<typeof ExecuteProgressParamsSchema>;

/** Params of `terminal.metrics`: a resource-use sample of a terminal's process tree. */
export const TerminalMetricsParamsSchema = ProcessMetricsSchema.extend({ terminalId: TerminalIdSchema });
/** Params of `terminal.metrics`. */
export type TerminalMetricsParams = z.infer<typeof TerminalMetricsParamsSchema>;

/** How serious a security alert is. */
export const AlertSeveritySchema = z.enum(['info', 'warning', 'critical']);
/** How serious a security alert is. */
export type AlertSeverity = z.infer<typeof AlertSeveritySchema>;

/** Params of `security.alert`: the policy denied or flagged something. */
export const SecurityAlertParamsSchema = z.object({
  severity: AlertSeveritySchema,
  agentId: AgentIdSchema.optional(),
  terminalId: TerminalIdSchema.optional(),
  /** The command that triggered the alert. */
  command: z.string().max(ProtocolLimits.maxCommandLength).optional(),
  /** Why, in words a person or an agent can act on. */
  reason: z.string().min(1),
  /** Name of the policy rule that matched. */
  rule: z.string().min(1).optional(),
});
/** Params of `security.alert`. */
export type SecurityAlertParams = z.infer<typeof SecurityAlertParamsSchema>;

/**
 * Params of `terminal.gap`: a subscriber fell behind and bytes `from` (inclusive) to `to`
 * (exclusive) rotated out of the ring before delivery; output resumes at `to`. Read what is
 * still retained with `terminal.read`.
 */
export const TerminalGapParamsSchema = z
  .object({
    terminalId: TerminalIdSchema,
    subscriptionId: SubscriptionIdSchema.optional(),
    from: OffsetSchema,
    to: OffsetSchema,
  })
  .refine((gap) => gap.to > gap.from, {
    message: 'A gap must end after it starts (to > from)',
    path: ['to'],
  });
/** Params of `terminal.gap`. */
export type TerminalGapParams = z.infer<typeof TerminalGapParamsSchema>;
