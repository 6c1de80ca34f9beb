import { describe, expect, it } from 'vitest';
import { activeCounts, groupByAgent } from '../src/app/lib/terminal-groups';
import type { MonitorTerminal } from '../src/app/lib/types';

function terminal(
  id: string,
  agentId: string,
  createdAt: string,
  state: 'running' | 'exited' = 'running',
): MonitorTerminal {
  return {
    id,
    agentId,
    createdAt,
    state,
    pid: 1,
    mode: 'interactive',
    backend: 'direct',
    cols: 80,
    rows: 24,
  };
}

describe('groupByAgent', () => {
  it('groups by agent, agents sorted by id, each agent’s terminals oldest first', () => {
    const groups = groupByAgent([
      terminal('t3', 'worker-b', '2026-01-01T00:00:03Z'),
      terminal('t1', 'worker-a', '2026-01-01T00:00:05Z'),
      terminal('t2', 'worker-b', '2026-01-01T00:00:01Z'),
      terminal('t4', 'worker-a', '2026-01-01T00:00:02Z'),
    ]);
    expect(groups.map((group) => [group.agentId, group.terminals.map((t) => t.id)])).toEqual([
      ['worker-a', ['t4', 't1']],
      ['worker-b', ['t2', 't3']],
    ]);
  });

  it('orders terminals created at the same time (or with an unreadable time) by id', () => {
    const groups = groupByAgent([
      terminal('b', 'x', '2026-01-01T00:00:00Z'),
      terminal('a', 'x', '2026-01-01T00:00:00Z'),
      terminal('d', 'x', 'not a date'),
      terminal('c', 'x', 'not a date'),
    ]);
    expect(groups[0]?.terminals.map((t) => t.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('returns no groups for no terminals', () => {
    expect(groupByAgent([])).toEqual([]);
  });
});

describe('activeCounts', () => {
  it('counts terminals that have not exited and the distinct agents owning them', () => {
    expect(
      activeCounts([
        terminal('t1', 'a', '2026-01-01T00:00:00Z'),
        terminal('t2', 'a', '2026-01-01T00:00:00Z'),
        terminal('t3', 'b', '2026-01-01T00:00:00Z', 'exited'),
        terminal('t4', 'c', '2026-01-01T00:00:00Z'),
      ]),
    ).toEqual({ terminals: 3, agents: 2 });
  });
});
