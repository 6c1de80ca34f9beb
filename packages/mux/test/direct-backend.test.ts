// DirectBackend against the backend conformance suite, plus what is specific to it.
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type CreateSessionOptions, DirectBackend } from '../src/index';
import { describeBackendConformance } from './conformance';

describeBackendConformance('DirectBackend', () => new DirectBackend());

describe('DirectBackend', () => {
  it('is not persistent and runs scripted sessions over pipes', async () => {
    const backend = new DirectBackend();
    try {
      expect(backend.capabilities().persistentSessions).toBe(false);
      const session = await backend.createSession({ id: 'p', agentId: 'a', config: { mode: 'scripted' } });
      const result = await session.execute('echo out; echo err >&2');
      expect(result).toMatchObject({ stdout: 'out\n', stderr: 'err\n', exitCode: 0 });
    } finally {
      await backend.dispose();
    }
  });

  it('lists only the modes it runs and refuses the ones it would only pretend to isolate', async () => {
    const backend = new DirectBackend();
    onTestFinished(() => backend.dispose());
    expect(backend.capabilities().executionModes).toEqual(['interactive', 'scripted']);
    for (const mode of ['sandboxed', 'privileged'] as const) {
      const error = await backend
        .createSession({ id: mode, agentId: 'a', config: { mode } })
        .catch((e: unknown) => e);
      expect(isOrchflowError(error) && error.code, String(error)).toBe(ErrorCode.InvalidParams);
      expect((error as Error).message).toContain(`'${mode}'`);
    }
    expect(await backend.listSessions()).toEqual([]);
  });

  it('runs sandboxed sessions under the isolation launch wrapper it is given', async () => {
    const backend = new DirectBackend();
    onTestFinished(() => backend.dispose());
    const wrapped: string[] = [];
    // A stand-in for core's isolation wrapper: marks the environment, so its use is visible.
    const launch: NonNullable<CreateSessionOptions['launch']> = {
      wrap: (target) => {
        wrapped.push(target.file);
        return { file: target.file, args: target.args, env: { ...target.env, ISOLATED_BY: 'test-wrapper' } };
      },
    };
    const session = await backend.createSession({
      id: 's',
      agentId: 'a',
      config: { mode: 'sandboxed' },
      launch,
    });
    expect(wrapped).toHaveLength(1);
    expect((await session.execute('echo "$ISOLATED_BY"')).stdout).toBe('test-wrapper\n');
    const privileged = await backend
      .createSession({ id: 'p', agentId: 'a', config: { mode: 'privileged' }, launch })
      .catch((e: unknown) => e);
    expect(isOrchflowError(privileged) && privileged.code).toBe(ErrorCode.InvalidParams);
  });
});
