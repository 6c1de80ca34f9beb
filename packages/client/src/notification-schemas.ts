// What the client checks in the notifications it acts on, with zod/mini: the browser entry must
// not carry classic zod (the protocol's full schemas made it 108 KB gzipped). The server is
// trusted to follow the protocol, so these check the structure the client reads, not every rule
// of the protocol's schemas (lengths, unknown fields); test/notification-schemas.test.ts keeps
// them accepting whatever the protocol's own schemas accept.
import * as z from 'zod/mini';
import { lazyBytesOf } from './lazy-text';

const offset = z.int().check(z.nonnegative());
const subscriptionId = z.optional(z.string());

/** `terminal.output` as the client reads it. */
export interface OutputFields {
  subscriptionId?: string;
  data: string;
  offset: number;
  nextOffset?: number;
}

const isOffset = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 0;

/**
 * `terminal.output` as the client reads it. Checked as a whole rather than field by field: an
 * object schema reads every field, and reading `data` would decode a binary frame's bytes that a
 * reader may never want as text (see lazy-text.ts). Checked by hand, not with a second schema:
 * this runs for every output chunk. Valid params pass through as they are.
 */
export const OutputParams = z.custom<OutputFields, OutputFields>((value) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const params = value as {
    subscriptionId?: unknown;
    offset?: unknown;
    nextOffset?: unknown;
    data?: unknown;
  };
  return (
    (params.subscriptionId === undefined || typeof params.subscriptionId === 'string') &&
    isOffset(params.offset) &&
    (params.nextOffset === undefined || isOffset(params.nextOffset)) &&
    (lazyBytesOf(params) !== undefined || typeof params.data === 'string')
  );
}, 'terminal.output params need data (a string), offset and nextOffset (integers ≥ 0) and subscriptionId (a string)');

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
