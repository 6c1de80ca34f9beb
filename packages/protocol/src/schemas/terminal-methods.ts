// Params and results of the `terminal.*` methods that act on one terminal or list them.
// Params of the methods that act on a terminal (spawn, execute, write, resize, kill) are strict:
// an unknown key is InvalidParams naming it (strict.ts). Params of the read-only methods (list,
// snapshot, read, subscribe…) and every result accept and drop fields from newer peers. Known
// fields are type- and range-checked everywhere. No schema has defaults or transforms, so its input and
// output types are the same and one type serves sender and receiver; defaults are server behaviour
// and are stated in each field's doc.
import { z } from 'zod';
import {
  AgentIdSchema,
  CommandTextSchema,
  DataEncodingSchema,
  DimensionSchema,
  OffsetSchema,
  ProtocolLimits,
  SignalNameSchema,
  SubscriptionIdSchema,
  TerminalIdSchema,
} from './common';
import {
  ExecuteOptionsSchema,
  TerminalConfigSchema,
  TerminalInfoSchema,
  TerminalStateSchema,
} from './domain';
import { strictParams } from './strict';

/** Params naming one terminal (`terminal.snapshot`). */
export const TerminalRefParamsSchema = z.object({ terminalId: TerminalIdSchema });
/** Params naming one terminal. */
export type TerminalRefParams = z.infer<typeof TerminalRefParamsSchema>;

/** Params of `terminal.spawn`; the result is a `TerminalInfo`. */
export const SpawnParamsSchema = strictParams({
  /** The agent that will own the terminal; an agent principal may only use its own ids. */
  agentId: AgentIdSchema,
  config: TerminalConfigSchema.optional(),
});
/** Params of `terminal.spawn`. */
export type SpawnParams = z.infer<typeof SpawnParamsSchema>;

/** One command to run: the part shared by `terminal.execute`, batches and transactions. */
export const ExecuteCommandSchema = ExecuteOptionsSchema.extend({
  terminalId: TerminalIdSchema,
  /** Shell command line, run in the terminal's persistent shell (interactive mode). */
  command: CommandTextSchema,
});
/** One command to run. */
export type ExecuteCommand = z.infer<typeof ExecuteCommandSchema>;

/** Params of `terminal.execute`; the result is an `ExecResult`. */
export const ExecuteParamsSchema = ExecuteCommandSchema.extend({
  /**
   * Removed: live output of an execute travels only as `$/progress` to a request that carries
   * `_meta.progressToken`. Refused (InvalidParams) rather than ignored, so an old caller learns
   * why no output arrives.
   */
  progress: z
    .never({ error: 'progress was removed: send _meta.progressToken to receive output as $/progress' })
    .optional(),
  /**
   * While a person holds the terminal's floor, wait for them to release it instead of failing
   * with `FloorHeld`. `timeoutMs` bounds the wait and the command together (the command runs with
   * what the wait left; a wait that uses it all fails with `Timeout`); cancelling the request ends
   * the wait. Default false.
   */
  waitForFloor: z.boolean().optional(),
});
/** Params of `terminal.execute`. */
export type ExecuteParams = z.infer<typeof ExecuteParamsSchema>;

/** Params of `terminal.write`: raw input, as if typed; needs the write capability. */
export const WriteParamsSchema = strictParams({
  terminalId: TerminalIdSchema,
  data: z.string().max(ProtocolLimits.maxWriteLength),
  /** How `data` is encoded. Default `utf8`; `base64` for bytes that are not valid UTF-8. */
  encoding: DataEncodingSchema.optional(),
});
/** Params of `terminal.write`. */
export type WriteParams = z.infer<typeof WriteParamsSchema>;

/** Result of `terminal.write`. */
export const WriteResultSchema = z.object({ bytesWritten: z.number().int().nonnegative() });
/** Result of `terminal.write`. */
export type WriteResult = z.infer<typeof WriteResultSchema>;

/** Params of `terminal.resize`. */
export const ResizeParamsSchema = strictParams({
  terminalId: TerminalIdSchema,
  cols: DimensionSchema,
  rows: DimensionSchema,
});
/** Params of `terminal.resize`. */
export type ResizeParams = z.infer<typeof ResizeParamsSchema>;

/** Result of `terminal.resize`: the size now in effect. */
export const ResizeResultSchema = z.object({ cols: DimensionSchema, rows: DimensionSchema });
/** Result of `terminal.resize`. */
export type ResizeResult = z.infer<typeof ResizeResultSchema>;

/** Params of `terminal.kill`; the result is the terminal's `ExitInfo` once its tree has exited. */
export const KillParamsSchema = strictParams({
  terminalId: TerminalIdSchema,
  /**
   * First signal sent to the whole process tree. Default `SIGHUP` (an interactive shell ignores
   * SIGTERM); the server escalates to SIGKILL. A name the server's OS does not know is InvalidParams.
   */
  signal: SignalNameSchema.optional(),
});
/** Params of `terminal.kill`. */
export type KillParams = z.infer<typeof KillParamsSchema>;

/** Params of `terminal.list`: every field narrows the list; `{}` lists all visible terminals. */
export const ListParamsSchema = z.object({
  agentId: AgentIdSchema.optional(),
  state: TerminalStateSchema.optional(),
});
/** Params of `terminal.list`. */
export type ListParams = z.infer<typeof ListParamsSchema>;

/** Result of `terminal.list`. */
export const ListResultSchema = z.object({
  terminals: z.array(TerminalInfoSchema),
  /**
   * Cluster only: live nodes that did not answer in time, so their terminals are missing from
   * `terminals`. Absent from a single server and when every node answered.
   */
  unreachableNodes: z.array(z.string()).optional(),
});
/** Result of `terminal.list`. */
export type ListResult = z.infer<typeof ListResultSchema>;

/** Params of `terminal.read`; the result is a `ReadResult`. */
export const ReadParamsSchema = z.object({
  terminalId: TerminalIdSchema,
  /** Absolute offset to start at. Default: the oldest byte still retained. */
  fromOffset: OffsetSchema.optional(),
  /** Most bytes to return. Default: the server's page size. */
  maxBytes: z.number().int().positive().max(ProtocolLimits.maxReadBytes).optional(),
});
/** Params of `terminal.read`. */
export type ReadParams = z.infer<typeof ReadParamsSchema>;

/** Params of `terminal.subscribe`: stream output as `terminal.output` notifications. */
export const SubscribeParamsSchema = z.object({
  terminalId: TerminalIdSchema,
  /** Replay retained output from this offset first. Default: only new output. */
  fromOffset: OffsetSchema.optional(),
});
/** Params of `terminal.subscribe`. */
export type SubscribeParams = z.infer<typeof SubscribeParamsSchema>;

/** Result of `terminal.subscribe`. */
export const SubscribeResultSchema = z.object({
  subscriptionId: SubscriptionIdSchema,
  /** Offset of the first byte that will be delivered; above `fromOffset` if that rotated out. */
  offset: OffsetSchema,
});
/** Result of `terminal.subscribe`. */
export type SubscribeResult = z.infer<typeof SubscribeResultSchema>;

/** Params of `terminal.unsubscribe`. */
export const UnsubscribeParamsSchema = z.object({ subscriptionId: SubscriptionIdSchema });
/** Params of `terminal.unsubscribe`. */
export type UnsubscribeParams = z.infer<typeof UnsubscribeParamsSchema>;

/** Result of `terminal.unsubscribe`; false when the subscription was already gone. */
export const UnsubscribeResultSchema = z.object({ unsubscribed: z.boolean() });
/** Result of `terminal.unsubscribe`. */
export type UnsubscribeResult = z.infer<typeof UnsubscribeResultSchema>;
