// The typed registry of every method and notification: which params and result schema belongs to
// which name. `RpcPeer`, the server's dispatcher and the client derive their types from here, so a
// method exists on the wire exactly when it is listed in `Methods`.
import type { z } from 'zod';
import { TerminalActivitySchema } from './activity';
import {
  BatchExecuteParamsSchema,
  BatchResultSchema,
  TxBeginParamsSchema,
  TxBeginResultSchema,
  TxCommitParamsSchema,
  TxCommitResultSchema,
  TxRollbackParamsSchema,
  TxRollbackResultSchema,
} from './batch-methods';
import {
  ExecResultSchema,
  ExitInfoSchema,
  ReadResultSchema,
  SnapshotSchema,
  TerminalInfoSchema,
} from './domain';
import { FloorReleaseParamsSchema, FloorStateSchema, FloorTakeParamsSchema } from './floor';
import { HistoryParamsSchema, HistoryResultSchema } from './history';
import { InitializeParamsSchema, InitializeResultSchema } from './initialize';
import {
  SecurityAlertParamsSchema,
  TerminalExitParamsSchema,
  TerminalGapParamsSchema,
  TerminalMetricsParamsSchema,
  TerminalOutputParamsSchema,
} from './notifications';
import {
  BulkControlParamsSchema,
  KillAllResultSchema,
  MetricsParamsSchema,
  MetricsResultSchema,
  PauseAllResultSchema,
  ResumeAllResultSchema,
} from './orchestrator-methods';
import {
  CancelRequestParamsSchema,
  PingParamsSchema,
  PingResultSchema,
  ProgressParamsSchema,
  ShutdownParamsSchema,
  ShutdownResultSchema,
} from './rpc';
import {
  ExecuteParamsSchema,
  KillParamsSchema,
  ListParamsSchema,
  ListResultSchema,
  ReadParamsSchema,
  ResizeParamsSchema,
  ResizeResultSchema,
  SpawnParamsSchema,
  SubscribeParamsSchema,
  SubscribeResultSchema,
  TerminalRefParamsSchema,
  UnsubscribeParamsSchema,
  UnsubscribeResultSchema,
  WriteParamsSchema,
  WriteResultSchema,
} from './terminal-methods';

/** The params and result schemas of one method. */
export interface MethodSchemas {
  readonly params: z.ZodType;
  readonly result: z.ZodType;
}

/**
 * Every request method, by name. Params are always an object; a receiver treats omitted
 * `params` as `{}`. `$/cancelRequest` is a notification (see {@link Notifications}).
 */
export const Methods = Object.freeze({
  initialize: { params: InitializeParamsSchema, result: InitializeResultSchema },
  'terminal.spawn': { params: SpawnParamsSchema, result: TerminalInfoSchema },
  'terminal.execute': { params: ExecuteParamsSchema, result: ExecResultSchema },
  'terminal.write': { params: WriteParamsSchema, result: WriteResultSchema },
  'terminal.resize': { params: ResizeParamsSchema, result: ResizeResultSchema },
  'terminal.kill': { params: KillParamsSchema, result: ExitInfoSchema },
  'terminal.list': { params: ListParamsSchema, result: ListResultSchema },
  'terminal.snapshot': { params: TerminalRefParamsSchema, result: SnapshotSchema },
  'terminal.activity': { params: TerminalRefParamsSchema, result: TerminalActivitySchema },
  'terminal.history': { params: HistoryParamsSchema, result: HistoryResultSchema },
  'terminal.read': { params: ReadParamsSchema, result: ReadResultSchema },
  'terminal.subscribe': { params: SubscribeParamsSchema, result: SubscribeResultSchema },
  'terminal.unsubscribe': { params: UnsubscribeParamsSchema, result: UnsubscribeResultSchema },
  'terminal.batchExecute': { params: BatchExecuteParamsSchema, result: BatchResultSchema },
  'terminal.floor.take': { params: FloorTakeParamsSchema, result: FloorStateSchema },
  'terminal.floor.release': { params: FloorReleaseParamsSchema, result: FloorStateSchema },
  'tx.begin': { params: TxBeginParamsSchema, result: TxBeginResultSchema },
  'tx.commit': { params: TxCommitParamsSchema, result: TxCommitResultSchema },
  'tx.rollback': { params: TxRollbackParamsSchema, result: TxRollbackResultSchema },
  'orchestrator.pauseAll': { params: BulkControlParamsSchema, result: PauseAllResultSchema },
  'orchestrator.resumeAll': { params: BulkControlParamsSchema, result: ResumeAllResultSchema },
  'orchestrator.killAll': { params: BulkControlParamsSchema, result: KillAllResultSchema },
  'orchestrator.metrics': { params: MetricsParamsSchema, result: MetricsResultSchema },
  '$/ping': { params: PingParamsSchema, result: PingResultSchema },
  '$/shutdown': { params: ShutdownParamsSchema, result: ShutdownResultSchema },
} as const satisfies Record<string, MethodSchemas>);

/** Every notification, by name, with the schema of its params. */
export const Notifications = Object.freeze({
  'terminal.output': TerminalOutputParamsSchema,
  'terminal.exit': TerminalExitParamsSchema,
  'terminal.gap': TerminalGapParamsSchema,
  'terminal.metrics': TerminalMetricsParamsSchema,
  'terminal.activity': TerminalActivitySchema,
  'terminal.floor': FloorStateSchema,
  'security.alert': SecurityAlertParamsSchema,
  '$/cancelRequest': CancelRequestParamsSchema,
  '$/progress': ProgressParamsSchema,
} as const satisfies Record<string, z.ZodType>);

/** The name of a request method. */
export type MethodName = keyof typeof Methods;
/** The name of a notification. */
export type NotificationName = keyof typeof Notifications;
/** The params type of method `M`. */
export type ParamsOf<M extends MethodName> = z.infer<(typeof Methods)[M]['params']>;
/** The result type of method `M`. */
export type ResultOf<M extends MethodName> = z.infer<(typeof Methods)[M]['result']>;
/** The params type of notification `N`. */
export type NotificationParamsOf<N extends NotificationName> = z.infer<(typeof Notifications)[N]>;

/** True when `name` is a known request method (own keys only, so `toString` is not one). */
export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(Methods, name);
}

/** True when `name` is a known notification. */
export function isNotificationName(name: string): name is NotificationName {
  return Object.hasOwn(Notifications, name);
}

/** The params and result schemas of a method, or `undefined` for an unknown name. */
export function getMethodSchemas<M extends MethodName>(name: M): (typeof Methods)[M];
export function getMethodSchemas(name: string): MethodSchemas | undefined;
export function getMethodSchemas(name: string): MethodSchemas | undefined {
  return isMethodName(name) ? Methods[name] : undefined;
}

/** The params schema of a notification, or `undefined` for an unknown name. */
export function getNotificationSchema<N extends NotificationName>(name: N): (typeof Notifications)[N];
export function getNotificationSchema(name: string): z.ZodType | undefined;
export function getNotificationSchema(name: string): z.ZodType | undefined {
  return isNotificationName(name) ? Notifications[name] : undefined;
}
