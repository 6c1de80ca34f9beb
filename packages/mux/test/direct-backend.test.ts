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

  it('refuses sandboxed mode without a launch wrapper that sandboxes, whatever else wraps it', async () => {
    const backend = new DirectBackend();
    onTestFinished(() => backend.dispose());
    expect(backend.capabilities().executionModes).toEqual(['interactive', 'scripted', 'sandboxed']);
    const passThrough = (level?: 'none' | 'process') => ({
      ...(level ? { level } : {}),
      wrap: (target: { file: string; args: string[]; env: Record<string, string> }) => target,
    });
    for (const launch of [undefined, passThrough(), passThrough('none'), passThrough('process')]) {
      const error = await backend
        .createSession({ id: `s-${launch?.level}`, agentId: 'a', config: { mode: 'sandboxed' }, launch })
        .catch((e: unknown) => e);
      expect(isOrchflowError(error) && error.code, String(error)).toBe(ErrorCode.InvalidParams);
      expect((error as Error).message).toContain("'sandboxed'");
      expect((error as Error).message).toContain(`level '${launch?.level ?? 'none'}'`);
    }
    expect(await backend.listSessions()).toEqual([]);
  });

  it('runs sandboxed sessions under the sandboxing launch wrapper it is given', async () => {
    const backend = new DirectBackend();
    onTestFinished(() => backend.dispose());
    const wrapped: string[] = [];
    // A stand-in for core's bubblewrap wrapper: marks the environment, so its use is visible.
    const launch: NonNullable<CreateSessionOptions['launch']> = {
      level: 'sandbox',
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
  });
});
