// DirectBackend against the backend conformance suite, plus what is specific to it.
import { describe, expect, it } from 'vitest';
import { DirectBackend } from '../src/index';
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
});
