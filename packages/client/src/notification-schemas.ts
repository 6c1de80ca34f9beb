// What the client checks in the notifications it acts on, with zod/mini: the browser entry must
// not carry classic zod (the protocol's full schemas made it 108 KB gzipped). The server is
// trusted to follow the protocol, so these check the structure the client reads, not every rule
// of the protocol's schemas (lengths, unknown fields); test/notification-schemas.test.ts keeps
// them accepting whatever the protocol's own schemas accept.
import * as z from 'zod/mini';

const offset = z.int().check(z.nonnegative());
const subscriptionId = z.optional(z.string());

/** `terminal.output` as the client reads it. */
export const OutputParams = z.object({
  subscriptionId,
  data: z.string(),
  offset,
  nextOffset: z.optional(offset),
});

/** `terminal.gap` as the client reads it. */
export const GapParams = z.object({ subscriptionId, from: offset, to: offset });

/**
 * `terminal.exit` as the client reads it: it names its subscription (see SubscriptionRouter);
 * `reason` is set when the exit was concluded rather than seen (`'node-lost'` in a cluster).
 */
export const ExitParams = z.object({
  subscriptionId,
  exitCode: z.nullable(z.int()),
  signal: z.nullable(z.string()),
  reason: z.optional(z.string()),
});

/** `terminal.activity` as the client reads it. */
export const ActivityParams = z.object({
  terminalId: z.string(),
  activity: z.enum(['idle', 'running', 'awaiting_input', 'exited']),
  command: z.optional(z.string()),
  since: z.optional(z.string()),
  waitingSince: z.optional(z.string()),
  foregroundPid: z.optional(z.int()),
  exitCode: z.optional(z.nullable(z.int())),
  signal: z.optional(z.nullable(z.string())),
});

/** `terminal.floor` as the client reads it: the terminal and its holder (null once released). */
export const FloorParams = z.object({
  terminalId: z.string(),
  holder: z.nullable(z.object({ name: z.string(), kind: z.enum(['admin', 'agent']), since: z.string() })),
});

/** `security.alert` as the client reads it. */
export const AlertParams = z.object({
  severity: z.enum(['info', 'warning', 'critical']),
  agentId: z.optional(z.string()),
  terminalId: z.optional(z.string()),
  command: z.optional(z.string()),
  reason: z.string(),
  rule: z.optional(z.string()),
});

/** An execute's `$/progress` values as the client reads them. */
export const ProgressParams = z.object({
  data: z.string(),
  offset,
  started: z.optional(z.boolean()),
});
