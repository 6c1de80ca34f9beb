// Type-level checks: the method map's derived types match the domain types and reject misuse.
import { describe, expectTypeOf, it } from 'vitest';
import type { ExecResult, ExecuteOptions, ExitInfo, Snapshot, TerminalInfo } from '../src/schemas/domain';
import {
  getMethodSchemas,
  getNotificationSchema,
  type MethodName,
  type MethodSchemas,
  type NotificationName,
  type NotificationParamsOf,
  type ParamsOf,
  type ResultOf,
} from '../src/schemas/method-map';
import type { PROTOCOL_VERSION } from '../src/schemas/version';

describe('method map types', () => {
  it('derives params and results per method', () => {
    expectTypeOf<ParamsOf<'terminal.execute'>>().toMatchObjectType<{
      terminalId: string;
      command: string;
    }>();
    expectTypeOf<ParamsOf<'terminal.execute'>['timeoutMs']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<ParamsOf<'terminal.execute'>>().toExtend<ExecuteOptions>();
    expectTypeOf<ResultOf<'terminal.execute'>>().toEqualTypeOf<ExecResult>();
    expectTypeOf<ResultOf<'terminal.spawn'>>().toEqualTypeOf<TerminalInfo>();
    expectTypeOf<ResultOf<'terminal.snapshot'>>().toEqualTypeOf<Snapshot>();
    expectTypeOf<ResultOf<'terminal.kill'>>().toEqualTypeOf<ExitInfo>();
    expectTypeOf<ResultOf<'terminal.list'>>().toEqualTypeOf<{
      terminals: TerminalInfo[];
      unreachableNodes?: string[] | undefined;
    }>();
    expectTypeOf<ResultOf<'tx.begin'>>().toEqualTypeOf<{ txId: string }>();
    expectTypeOf<ResultOf<'$/ping'>>().toEqualTypeOf<{
      pong: true;
      time: number;
    }>();
    expectTypeOf<ParamsOf<'terminal.batchExecute'>['mode']>().toEqualTypeOf<
      'sequential' | 'parallel' | undefined
    >();
  });

  it('narrows batch item results on ok', () => {
    type Item = ResultOf<'terminal.batchExecute'>['results'][number];
    expectTypeOf<Extract<Item, { ok: true }>['result']>().toEqualTypeOf<ExecResult>();
    expectTypeOf<Extract<Item, { ok: false }>['error']>().toMatchObjectType<{
      code: number;
      message: string;
    }>();
  });

  it('derives notification params', () => {
    expectTypeOf<NotificationParamsOf<'terminal.output'>>().toMatchObjectType<{
      terminalId: string;
      data: string;
      offset: number;
    }>();
    expectTypeOf<NotificationParamsOf<'terminal.exit'>>().toEqualTypeOf<{
      exitCode: number | null;
      signal: string | null;
      reason?: string | undefined;
      terminalId: string;
    }>();
    expectTypeOf<NotificationParamsOf<'$/cancelRequest'>>().toEqualTypeOf<{
      id: string | number;
    }>();
  });

  it('names methods and notifications as literal unions', () => {
    expectTypeOf<'terminal.execute'>().toExtend<MethodName>();
    expectTypeOf<'terminal.output'>().not.toExtend<MethodName>();
    expectTypeOf<'terminal.output'>().toExtend<NotificationName>();
    expectTypeOf<'$/cancelRequest'>().not.toExtend<MethodName>();
    expectTypeOf<string>().not.toExtend<MethodName>();
    expectTypeOf<typeof PROTOCOL_VERSION>().toEqualTypeOf<'1.0.0'>();
  });

  it('types lookups by name: exact for known names, optional for strings', () => {
    expectTypeOf(getMethodSchemas('terminal.read').params.parse).returns.toEqualTypeOf<
      ParamsOf<'terminal.read'>
    >();
    expectTypeOf(getMethodSchemas('terminal.read').result.parse).returns.toEqualTypeOf<
      ResultOf<'terminal.read'>
    >();
    expectTypeOf(getMethodSchemas('x' as string)).toEqualTypeOf<MethodSchemas | undefined>();
    expectTypeOf(getNotificationSchema('terminal.gap').parse).returns.toEqualTypeOf<
      NotificationParamsOf<'terminal.gap'>
    >();
  });

  it('rejects unknown names and wrong shapes at compile time', () => {
    // @ts-expect-error not a method
    expectTypeOf<ParamsOf<'terminal.nope'>>();
    // @ts-expect-error command must be a string
    const bad: ParamsOf<'terminal.execute'> = { terminalId: 't', command: 1 };
    void bad;
  });
});
