import { describe, expect, it } from 'vitest';
import { GONE_RETENTION_MS, onlyShown, TerminalRoster } from '../src/app/lib/terminal-roster';
import type { MonitorTerminal } from '../src/app/lib/types';

const terminal = (id: string): MonitorTerminal => ({
  id,
  agentId: 'a',
  createdAt: '2026-01-01T00:00:00Z',
  state: 'running',
  pid: 1,
  mode: 'interactive',
  backend: 'direct',
  cols: 80,
  rows: 24,
});

describe('TerminalRoster', () => {
  it('keeps a terminal that vanished from the listing (killed) as exited', () => {
    const roster = new TerminalRoster();
    roster.update([terminal('t1'), terminal('t2')], 0);
    const shown = roster.update([terminal('t2')], 1_000);
    expect(shown.map((t) => [t.id, t.state])).toEqual([
      ['t2', 'running'],
      ['t1', 'exited'],
    ]);
  });

  it('drops a vanished terminal after the retention time, or when it is listed again', () => {
    const roster = new TerminalRoster();
    roster.update([terminal('t1'), terminal('t2')], 0);
    roster.update([], 1_000);
    expect(roster.update([terminal('t2')], 2_000).map((t) => [t.id, t.state])).toEqual([
      ['t2', 'running'],
      ['t1', 'exited'],
    ]);
    expect(roster.update([terminal('t2')], 1_000 + GONE_RETENTION_MS).map((t) => t.id)).toEqual(['t2']);
  });

  it('keeps at most its bound of vanished terminals, the newest', () => {
    const roster = new TerminalRoster(GONE_RETENTION_MS, 2);
    roster.update([terminal('a')], 0);
    roster.update([terminal('b')], 1);
    roster.update([terminal('c')], 2);
    roster.update([terminal('d')], 3);
    expect(roster.update([], 4).map((t) => t.id)).toEqual(['c', 'd']);
  });
});

describe('onlyShown', () => {
  it('drops the entries of terminals no longer shown, and keeps the record when none are', () => {
    const record = { t1: 'running', t2: 'idle' };
    expect(onlyShown(record, new Set(['t2', 't3']))).toEqual({ t2: 'idle' });
    expect(record).toEqual({ t1: 'running', t2: 'idle' });
    expect(onlyShown(record, new Set(['t1', 't2']))).toBe(record);
  });
});
