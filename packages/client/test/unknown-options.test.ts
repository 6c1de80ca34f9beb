// Unknown option keys are refused, not dropped: a typo such as `{ timeout: 500 }` for `timeoutMs`
// used to run the command without any timeout. The client refuses them before sending (naming the
// key and the one meant), and a server refuses them in the params of methods that act on terminals
// over JSON-RPC and REST alike, so callers that bypass the client learn of them too.
import { Orchestrator } from '@orchflow/core';
import {
  BatchExecuteParamsSchema,
  ErrorCode,
  ExecuteCommandSchema,
  ExecuteParamsSchema,
  ListParamsSchema,
  type Methods,
  MetricsParamsSchema,
  type OrchflowError,
  orchflowErrorCode,
  PROTOCOL_VERSION,
  ReadParamsSchema,
  RpcPeer,
  TerminalConfigSchema,
  TxCommitParamsSchema,
} from '@orchflow/protocol';
import { expect, it, onTestFinished } from 'vitest';
import { KNOWN_OPTION_KEYS } from '../src/option-keys';
import { directClient } from './direct-fixture';
import { serveHttp } from './http-server-harness';

const connect = directClient;

async function failure(promise: Promise<unknown>): Promise<OrchflowError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(orchflowErrorCode(error), `expected InvalidParams, got ${String(error)}`).toBe(
    ErrorCode.InvalidParams,
  );
  return error as OrchflowError;
}

it('refuses an unknown execute option before sending it, suggesting timeoutMs for timeout', async () => {
  const { client } = await connect();
  const terminal = await client.spawnTerminal('typo');
  const typo = { timeout: 500 } as unknown as { timeoutMs: number };
  const error = await failure(terminal.execute('sleep 30', typo));
  expect(error.data).toMatchObject({ unknownKeys: ['timeout'], suggestion: 'timeoutMs' });
  expect(error.message).toMatch(
    /^Unknown key 'timeout' in execute options \(did you mean 'timeoutMs'\?\)\. Known keys: timeoutMs, /,
  );
  // Nothing was sent: the terminal is idle and ran nothing.
  expect((await terminal.activity()).activity).toBe('idle');
  expect(await terminal.history()).toEqual([]);
  // runScript takes the same options.
  expect((await failure(client.runScript('true', typo))).message).toMatch(/did you mean 'timeoutMs'/);
  // Refused even when set to undefined (an in-process connection would hand it over as it is);
  // known keys set to undefined are fine.
  const spread = { timeoutMs: 5_000, timeout: undefined } as unknown as { timeoutMs: number };
  expect((await failure(terminal.execute('echo ok', spread))).message).toMatch(/'timeout'/);
  expect((await terminal.execute('echo ok', { timeoutMs: undefined, signal: undefined })).stdout).toBe(
    'ok\n',
  );
});

it('refuses unknown keys of a spawn config, a batch, a transaction and a query, naming them', async () => {
  const { client } = await connect();
  const config = { cwd: '/tmp', enviroment: { A: '1' } } as unknown as { cwd: string };
  expect((await failure(client.spawnTerminal('a', config))).message).toMatch(
    /Unknown key 'enviroment' in terminal config \(did you mean 'env'\?\)/,
  );
  expect(await client.listTerminals()).toEqual([]);

  const terminal = await client.spawnTerminal('a');
  const command = { terminalId: terminal.id, command: 'true', timeout: 10 } as unknown as {
    terminalId: string;
    command: string;
  };
  expect((await failure(client.batchExecute([command]))).message).toMatch(
    /'timeout' in commands\[0\] \(did you mean 'timeoutMs'\?\)/,
  );
  const options = { stopOnErr: true } as unknown as { stopOnError: boolean };
  expect((await failure(client.batchExecute([], options))).message).toMatch(
    /'stopOnErr' in batch options \(did you mean 'stopOnError'\?\)/,
  );
  const tx = await client.transaction();
  expect((await failure(tx.add(terminal.id, 'true', { timeout: 1 } as object).commit())).message).toMatch(
    /'timeout'/,
  );
  await tx.rollback();
  const filter = { agent: 'a' } as unknown as { agentId: string };
  expect((await failure(client.listTerminals(filter))).message).toMatch(/did you mean 'agentId'/);
  expect((await failure(terminal.read({ offset: 0 } as object))).message).toMatch(
    /did you mean 'fromOffset'/,
  );
});

it("keeps the client's option keys in step with the protocol's schemas", () => {
  const keys = (schema: { shape: object }, ...drop: string[]) =>
    Object.keys(schema.shape)
      .filter((key) => !drop.includes(key))
      .sort();
  const known = Object.fromEntries(
    Object.entries(KNOWN_OPTION_KEYS).map(([what, list]) => [what, [...list].sort()]),
  );
  expect(known.config).toEqual(keys(TerminalConfigSchema));
  expect(known.command).toEqual(keys(ExecuteCommandSchema));
  // batch and commit: the wire options plus the client's own abort options.
  expect(known.batch).toEqual(
    [...keys(BatchExecuteParamsSchema, 'commands'), 'cancelWaitMs', 'signal'].sort(),
  );
  expect(known.commit).toEqual(
    [...keys(TxCommitParamsSchema, 'commands', 'txId'), 'cancelWaitMs', 'signal'].sort(),
  );
  expect(known.list).toEqual(keys(ListParamsSchema));
  expect(known.metrics).toEqual(keys(MetricsParamsSchema));
  expect(known.read).toEqual(keys(ReadParamsSchema, 'terminalId'));
  // execute: the wire options (not the removed `progress`) plus the client's own.
  expect(known.execute).toEqual(
    [
      ...keys(ExecuteParamsSchema, 'terminalId', 'command', 'progress'),
      'cancelWaitMs',
      'meta',
      'onOutput',
      'onStart',
      'requestTimeoutMs',
      'signal',
    ].sort(),
  );
});

it('a server refuses unknown keys in terminal.execute params over JSON-RPC, naming the key', async () => {
  const orch = Orchestrator.builder().build();
  const peer = new RpcPeer<typeof Methods>(await orch.connect());
  onTestFinished(async () => {
    await peer.close();
    await orch.shutdown();
  });
  await peer.request('initialize', { protocolVersion: PROTOCOL_VERSION, clientInfo: { name: 'raw' } });
  const { id } = await peer.request('terminal.spawn', { agentId: 'raw' });
  const send = (params: object) => peer.request('terminal.execute', params as never, { timeoutMs: 10_000 });
  const error = await failure(send({ terminalId: id, command: 'sleep 30', timeout: 500 }));
  expect(error.message).toMatch(/'timeout'.*did you mean 'timeoutMs'/);
  const config = await failure(
    peer.request('terminal.spawn', { agentId: 'raw', config: { cwdir: '/' } } as never),
  );
  expect(config.message).toMatch(/config.*'cwdir'/);
  const kill = await failure(peer.request('orchestrator.killAll', { agentID: 'raw' } as never));
  expect(kill.message).toMatch(/'agentID'.*did you mean 'agentId'/);
  expect(orch.listTerminals().map((info) => info.state)).toEqual(['running']);
  // `_meta` is the protocol's own member, never an unknown key.
  const ok = await peer.request('terminal.execute', {
    terminalId: id,
    command: 'echo ok',
    _meta: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
  } as never);
  expect((ok as { stdout: string }).stdout).toBe('ok\n');
});

it('an unknown key gets the same data in process and over the wire', async () => {
  const { orch, client } = await connect();
  const peer = new RpcPeer<typeof Methods>(await orch.connect());
  onTestFinished(() => peer.close());
  await peer.request('initialize', { protocolVersion: PROTOCOL_VERSION, clientInfo: { name: 'raw' } });
  const terminal = await client.spawnTerminal('typo');
  /** The error of the same options three ways: the client's check, core's, the server's params. */
  const threeWays = async (options: Record<string, unknown>) => ({
    client: await failure(terminal.execute('true', options as never)),
    core: await failure(orch.execute(terminal.id, 'true', options as never)),
    wire: await failure(
      peer.request('terminal.execute', { terminalId: terminal.id, command: 'true', ...options } as never),
    ),
  });
  const fields = (error: OrchflowError) =>
    Object.keys(error.data as object).filter((key) => key !== 'issues');

  const typo = await threeWays({ timeout: 500 });
  for (const error of Object.values(typo)) {
    expect(error.data).toMatchObject({
      unknownKeys: ['timeout'],
      suggestion: 'timeoutMs',
      knownKeys: expect.arrayContaining(['timeoutMs', 'idleTimeoutMs', 'maxOutputBytes']),
    });
    expect(fields(error)).toEqual(['unknownKeys', 'suggestion', 'knownKeys']);
    expect(error.message).toMatch(/Unknown key 'timeout'.* \(did you mean 'timeoutMs'\?\)\. Known keys: /);
  }
  // The wire's data keeps zod's issues beside them.
  expect((typo.wire.data as { issues: unknown[] }).issues).toMatchObject([
    { code: 'unrecognized_keys', keys: ['timeout'] },
  ]);

  // No key close to `timout`: no suggestion, all unknown keys named, either way.
  const far = await threeWays({ timout: 500, colour: 'red' });
  for (const error of Object.values(far)) {
    expect(error.data).toMatchObject({ unknownKeys: ['timout', 'colour'] });
    expect(fields(error)).toEqual(['unknownKeys', 'knownKeys']);
  }
  expect(await terminal.history()).toEqual([]);
});

it('a server refuses unknown keys in a REST execute body with 400', async () => {
  const { url } = await serveHttp();
  const spawned = await fetch(`${url}/v1/terminals`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ agentId: 'rest' }),
  });
  const { id } = (await spawned.json()) as { id: string };
  const response = await fetch(`${url}/v1/terminals/${id}/execute`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ command: 'echo x', timeout: 500 }),
  });
  expect(response.status).toBe(400);
  const body = (await response.json()) as { error: { code: number; message: string; data: unknown } };
  expect(body.error.code).toBe(ErrorCode.InvalidParams);
  expect(body.error.message).toMatch(/'timeout'.*did you mean 'timeoutMs'/);
  expect(body.error.data).toMatchObject({ unknownKeys: ['timeout'], suggestion: 'timeoutMs' });
});
