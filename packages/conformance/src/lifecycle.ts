// Conformance, connection lifecycle and honest capabilities: `initialize` names this transport and
// lists the features the rest of the suite exercises; a clean `close()` releases the connection's
// terminals before it resolves (their quota is free at once); a dropped connection keeps its
// terminals and running commands exactly when the connection lists `reconnect`, and kills them
// otherwise — the capability is checked against what is observed.
import { join } from 'node:path';
import { ErrorCode } from '@orchflow/protocol';
import { expect, it } from 'vitest';
import {
  codeOf,
  eventually,
  exists,
  rejection,
  scratchDir,
  serve,
  TOKENS,
  type TransportCase,
} from './harness';
import { alive, backgroundChild } from './terminals';

/** The features every orchflow connection offers; each is exercised by this suite. */
export const CORE_FEATURES = [
  'subscriptions',
  'executeProgress',
  'executeStarted',
  'cancellation',
  'batchExecute',
  'transactions',
  'emergencyControls',
  'metrics',
  'shutdown',
] as const;

/** Registers the lifecycle and capability tests for `transport`. */
export function lifecycleTests(transport: TransportCase): void {
  it('reports this transport and the features the suite exercises in initialize', async () => {
    const { admin } = await serve(transport);
    expect(admin.capabilities.transports).toEqual([transport.reports ?? transport.name]);
    expect(admin.capabilities.features).toEqual(expect.arrayContaining([...CORE_FEATURES]));
    expect(admin.capabilities.features.includes('reconnect')).toBe(transport.resumable);
    expect(admin.principal).toEqual({ kind: 'admin' });
    expect(await admin.ping()).toBeGreaterThanOrEqual(0);
  });

  it('releases a closed connection’s terminals before close() resolves', async () => {
    const { admin, connect } = await serve(transport, { maxTerminalsPerAgent: 1 });
    const { client } = await connect(TOKENS.admin);
    const terminal = await client.spawnTerminal('conf-close');
    const child = await backgroundChild(terminal);
    await client.close();
    // At once, not after a grace period: the quota slot is free and nothing is listed running.
    const running = await admin.listTerminals({ agentId: 'conf-close', state: 'running' });
    expect(running).toEqual([]);
    await admin.spawnTerminal('conf-close');
    await eventually(
      () => !alive(child) && !alive(terminal.info().pid),
      'the closed connection’s processes to be gone',
    );
  });

  it('keeps a dropped connection’s work exactly when it reports reconnect', async () => {
    const { admin, connect } = await serve(transport);
    const connection = await connect(TOKENS.admin);
    const reconnect = connection.client.capabilities.features.includes('reconnect');
    const terminal = await connection.client.spawnTerminal('conf-drop');
    const dir = scratchDir('orchflow-conf-drop-');
    const started = join(dir, 'started');
    const finished = join(dir, 'finished');
    const running = terminal.execute(`touch ${started}; sleep 1; echo FINISHED > ${finished}`);
    running.catch(() => undefined);
    await eventually(() => exists(started), 'the command to start');
    connection.drop();
    // The call in flight either gets its real answer (an HTTP session outlives its dropped stream
    // and replays what was missed) or fails as "connection lost, outcome unknown": never anything else.
    const outcome = await running.then(
      (result) => result.exitCode,
      (error: { code?: unknown }) => error.code,
    );
    expect([0, ErrorCode.ChannelClosed]).toContain(outcome);
    if (reconnect) {
      // The command ran to its end through the drop, and the terminal is still there.
      await eventually(() => exists(finished), 'the command to finish after the drop');
      const listed = await admin.listTerminals({ agentId: 'conf-drop' });
      expect(listed[0]?.state).toBe('running');
      // The client came back: the same handle works again and can collect the output.
      expect((await terminal.execute('echo back')).stdout).toBe('back\n');
      expect((await terminal.read({ fromOffset: 0 })).data).toContain('back');
      expect(connection.resumes()).toBeGreaterThan(0);
    } else {
      await eventually(
        async () => (await admin.listTerminals({ agentId: 'conf-drop', state: 'running' })).length === 0,
        'the dropped connection’s terminal to be killed',
      );
      expect(alive(terminal.info().pid)).toBe(false);
      expect(await codeOf(terminal.execute('true'))).toBe(ErrorCode.ChannelClosed);
    }
    expect(reconnect).toBe(transport.resumable);
  }, 60_000);

  it('fails a stream and calls of a closed client with ChannelClosed, never a hang', async () => {
    const { connect } = await serve(transport);
    const { client } = await connect(TOKENS.admin);
    const terminal = await client.spawnTerminal('conf-closed-stream');
    await client.close();
    const error = await rejection(
      (async () => {
        for await (const _ of terminal.stream({ fromOffset: 0 })) {
          // no events are expected from a closed client
        }
      })(),
    );
    expect((error as { code?: unknown }).code).toBe(ErrorCode.ChannelClosed);
    expect(await codeOf(terminal.write('x'))).toBe(ErrorCode.ChannelClosed);
  });
}
