// The grid's layout: terminals grouped by the agent that owns them, in a stable order (agents by
// id, each agent's terminals oldest first), and the header's counts derived from the same list.
import type { MonitorTerminal } from './types';

/** One agent's terminals, as the grid shows them. */
export interface AgentGroup {
  agentId: string;
  terminals: MonitorTerminal[];
}

/** Groups `terminals` by agent: agents sorted by id, terminals by creation time, then id. */
export function groupByAgent(terminals: readonly MonitorTerminal[]): AgentGroup[] {
  const byAgent = new Map<string, MonitorTerminal[]>();
  for (const terminal of terminals) {
    const list = byAgent.get(terminal.agentId);
    if (list) list.push(terminal);
    else byAgent.set(terminal.agentId, [terminal]);
  }
  return [...byAgent.entries()]
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([agentId, list]) => ({ agentId, terminals: list.sort(byCreation) }));
}

/** The header's counts: terminals still running and the distinct agents that own them. */
export function activeCounts(terminals: readonly MonitorTerminal[]): { terminals: number; agents: number } {
  const active = terminals.filter((terminal) => terminal.state !== 'exited');
  return { terminals: active.length, agents: new Set(active.map((terminal) => terminal.agentId)).size };
}

function byCreation(a: MonitorTerminal, b: MonitorTerminal): number {
  const time = Date.parse(a.createdAt) - Date.parse(b.createdAt);
  return Number.isNaN(time) || time === 0 ? compareStrings(a.id, b.id) : time;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
