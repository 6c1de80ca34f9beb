// Params and results of the `orchestrator.*` methods: emergency controls over many terminals at
// once (admin principals only) and orchestrator-wide metrics.
import { z } from 'zod';
import { AgentIdSchema, TerminalIdSchema } from './common';
import { ProcessMetricsSchema } from './domain';
import { strictParams } from './strict';

const CountSchema = z.number().int().nonnegative();

/**
 * Cluster only: ids of live nodes that did not answer in time (or failed), so the result leaves
 * them out. Absent from a single server and when every node answered.
 */
export const UnreachableNodesSchema = z.array(z.string());

/**
 * Params of `orchestrator.pauseAll` / `resumeAll` / `killAll`. Strict: a misspelt `agentId` would
 * otherwise be dropped and the control would act on every terminal.
 */
export const BulkControlParamsSchema = strictParams({
  /** Only this agent's terminals. Default: every terminal. */
  agentId: AgentIdSchema.optional(),
});
/** Params of `orchestrator.pauseAll` / `resumeAll` / `killAll`. */
export type BulkControlParams = z.infer<typeof BulkControlParamsSchema>;

/** Result of `orchestrator.pauseAll`. */
export const PauseAllResultSchema = z.object({
  paused: CountSchema,
  unreachableNodes: UnreachableNodesSchema.optional(),
});
/** Result of `orchestrator.pauseAll`. */
export type PauseAllResult = z.infer<typeof PauseAllResultSchema>;

/** Result of `orchestrator.resumeAll`. */
export const ResumeAllResultSchema = z.object({
  resumed: CountSchema,
  unreachableNodes: UnreachableNodesSchema.optional(),
});
/** Result of `orchestrator.resumeAll`. */
export type ResumeAllResult = z.infer<typeof ResumeAllResultSchema>;

/** Result of `orchestrator.killAll`. */
export const KillAllResultSchema = z.object({
  killed: CountSchema,
  unreachableNodes: UnreachableNodesSchema.optional(),
});
/** Result of `orchestrator.killAll`. */
export type KillAllResult = z.infer<typeof KillAllResultSchema>;

/** Params of `orchestrator.metrics`. */
export const MetricsParamsSchema = z.object({
  /** Also sample every terminal's process tree (costs a process-table scan). Default false. */
  includeProcesses: z.boolean().optional(),
});
/** Params of `orchestrator.metrics`. */
export type MetricsParams = z.infer<typeof MetricsParamsSchema>;

/** Result of `orchestrator.metrics`. */
export const MetricsResultSchema = z.object({
  terminals: z.object({ total: CountSchema, running: CountSchema }),
  /** Live terminals per agent id. */
  terminalsByAgent: z.record(AgentIdSchema, CountSchema),
  /** Commands run since the orchestrator started. */
  commandsExecuted: CountSchema,
  /** Time since the orchestrator started, in ms. */
  uptimeMs: z.number().nonnegative(),
  /** Per terminal id; present when `includeProcesses` was true. */
  processes: z.record(TerminalIdSchema, ProcessMetricsSchema).optional(),
  /**
   * PTYs of this server whose last output before exit is held until read (`drained`), and those
   * where node-pty's internals did not allow it (`undrained`: their final bytes may be lost).
   */
  outputDrain: z
    .object({ drained: CountSchema, undrained: CountSchema, lastFailure: z.string().optional() })
    .optional(),
  /** Cluster only: live nodes that did not answer in time; their numbers are not included. */
  unreachableNodes: UnreachableNodesSchema.optional(),
});
/** Result of `orchestrator.metrics`. */
export type MetricsResult = z.infer<typeof MetricsResultSchema>;
