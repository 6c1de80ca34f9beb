// Conformance, error codes: every code the client API can produce, each triggered for real —
// TerminalNotFound, InvalidParams, PolicyDenied, QuotaExceeded, TerminalExited, SpawnFailed,
// Unauthorized, Cancelled (an abort before the answer) and the local ChannelClosed once the
// client is closed. Forbidden, InvalidState and the request timeout are asserted in their areas
// (scoping, batch, execute). Codes the client cannot provoke (ParseError, InvalidRequest,
// MethodNotFound, NotInitialized, VersionMismatch) are covered by the protocol and server tests.
import { join } from 'node:path';
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { expect, it } from 'vitest';
import { DENY_PLUGIN } from './batch';
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

/** Registers the error-code tests for `transport`. */
export function errorTests(transport: TransportCase): void {
  it('answers an unknown terminal with TerminalNotFound on every terminal method', async () => {
    const { admin } = await serve(transport);
    const real = await admin.spawnTerminal('conf-ghost');
    const ghost = admin.handle({ ...real.info(), id: 'no-such-terminal' });
    for (const call of [
      () => ghost.execute('true'),
      () => ghost.write('x'),
      () => ghost.resize(90, 20),
      () => ghost.snapshot(),
      () => ghost.read(),
      () => ghost.kill(),
      () => ghost.onOutput(() => undefined),
    ]) {
      expect(await codeOf(call())).toBe(ErrorCode.TerminalNotFound);
    }
  });

  it('answers bad params with InvalidParams and names the problem', async () => {
    const { admin } = await serve(transport);
    const terminal = await admin.spawnTerminal('conf-params');
    expect(await codeOf(admin.spawnTerminal(''))).toBe(ErrorCode.InvalidParams);
    expect(await codeOf(terminal.resize(0, 0))).toBe(ErrorCode.InvalidParams);
    expect(await codeOf(terminal.read({ fromOffset: -1 }))).toBe(ErrorCode.InvalidParams);
    expect(await codeOf(terminal.execute('true', { timeoutMs: -5 }))).toBe(ErrorCode.InvalidParams);
    expect(await codeOf(admin.batchExecute([]))).toBe(ErrorCode.InvalidParams);
    // The terminal is unharmed by the bad calls.
    expect((await terminal.execute('echo fine')).stdout).toBe('fine\n');
  });

  it('refuses a denied command with PolicyDenied, naming the reason, and runs nothing', async () => {
    const { admin } = await serve(transport, DENY_PLUGIN);
    const terminal = await admin.spawnTerminal('conf-policy');
    const marker = join(scratchDir('orchflow-conf-deny-'), 'ran');
    const error = await rejection(terminal.execute(`touch ${marker} # DENYME`));
    expect(isOrchflowError(error) && error.code).toBe(ErrorCode.PolicyDenied);
    expect((error as Error).message).toContain('DENYME is refused');
    // Commands are queued: once this one ran, the denied one would have too.
    expect((await terminal.execute('echo allowed')).stdout).toBe('allowed\n');
    expect(exists(marker)).toBe(false);
  });

  it('refuses a terminal beyond the quota with QuotaExceeded; a kill frees the slot', async () => {
    const { admin } = await serve(transport, { maxTerminalsPerAgent: 1 });
    const first = await admin.spawnTerminal('conf-quota');
    expect(await codeOf(admin.spawnTerminal('conf-quota'))).toBe(ErrorCode.QuotaExceeded);
    await first.kill();
    await admin.spawnTerminal('conf-quota');
  });

  it('answers a terminal whose shell exited with TerminalExited, a killed one with TerminalNotFound', async () => {
    const { admin } = await serve(transport);
    const ended = await admin.spawnTerminal('conf-exited');
    await ended.write('exit 3\r');
    await eventually(
      async () => (await admin.listTerminals({ agentId: 'conf-exited' }))[0]?.state === 'exited',
      'the shell to exit',
    );
    expect(await codeOf(ended.execute('true'))).toBe(ErrorCode.TerminalExited);
    expect(await codeOf(ended.write('x'))).toBe(ErrorCode.TerminalExited);
    // A kill removes the terminal at once (it is not retained like one that exited by itself).
    const killed = await admin.spawnTerminal('conf-killed');
    await killed.kill();
    expect(await codeOf(killed.execute('true'))).toBe(ErrorCode.TerminalNotFound);
  });

  it('answers a terminal that cannot start with SpawnFailed', async () => {
    const { admin } = await serve(transport);
    const cwd = '/nonexistent/orchflow-conformance';
    expect(await codeOf(admin.spawnTerminal('conf-spawn-fail', { cwd }))).toBe(ErrorCode.SpawnFailed);
  });

  it('refuses a wrong token with Unauthorized', async () => {
    const { connect } = await serve(transport);
    expect(await codeOf(connect('wrong-token-0123456789abcdef'))).toBe(ErrorCode.Unauthorized);
  });

  it('rejects an execute aborted before it was even sent with Cancelled', async () => {
    const { admin } = await serve(transport);
    const terminal = await admin.spawnTerminal('conf-cancel');
    expect(await codeOf(terminal.execute('echo never', { signal: AbortSignal.abort() }))).toBe(
      ErrorCode.Cancelled,
    );
    expect((await terminal.execute('echo after')).stdout).toBe('after\n');
  });

  it('fails every call after close() with the local ChannelClosed', async () => {
    const { connect } = await serve(transport);
    const { client } = await connect(TOKENS.admin);
    await client.close();
    expect(client.isClosed).toBe(true);
    expect(await codeOf(client.listTerminals())).toBe(ErrorCode.ChannelClosed);
    expect(await codeOf(client.spawnTerminal('conf-closed'))).toBe(ErrorCode.ChannelClosed);
  });
}
