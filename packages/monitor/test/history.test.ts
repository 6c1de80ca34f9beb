import { describe, expect, it } from 'vitest';
import { fetchHistory, normalizeHistory } from '../src/app/lib/history';

const row = {
  command: 'ls',
  startedAt: '2026-01-01T00:00:00Z',
  durationMs: 12,
  exitCode: 0,
  source: 'execute',
};

describe('normalizeHistory', () => {
  it('reads { commands } and bare arrays, keeping running commands without duration', () => {
    const running = { command: 'sleep 9', startedAt: '2026-01-01T00:00:01Z', source: 'typed' };
    expect(normalizeHistory({ commands: [row, running] })).toEqual([row, running]);
    expect(normalizeHistory([row])).toEqual([row]);
  });

  it('drops malformed rows and unknown results', () => {
    expect(normalizeHistory({ commands: [null, { command: 1 }, { command: 'x' }, row] })).toEqual([row]);
    expect(normalizeHistory('nope')).toEqual([]);
    expect(normalizeHistory({ exitCode: null, command: 'x', startedAt: 't' })).toEqual([]);
  });
});

describe('fetchHistory', () => {
  it('is undefined for a client without history()', async () => {
    expect(await fetchHistory({})).toBeUndefined();
  });

  it('asks the handle for the limit and normalizes the answer', async () => {
    const asked: (number | undefined)[] = [];
    const handle = {
      async history(limit?: number) {
        asked.push(limit);
        return { commands: [row] };
      },
    };
    expect(await fetchHistory(handle, 5)).toEqual([row]);
    expect(asked).toEqual([5]);
  });
});
