// Shapes the app reads from the protocol, including fields that newer servers add (floor control,
// pausability, the viewer principal, command history). They are declared here structurally so the
// app builds against a client that does not carry them yet and simply shows less.
import type { TerminalActivity, TerminalInfo } from '@orchflow/protocol/runtime';

/** Who holds a terminal's floor (a person who took it over). */
export interface FloorHolder {
  name: string;
  kind: 'admin' | 'agent';
  /** ISO time the floor was taken. */
  since: string;
}

/** A terminal's floor: who holds it, or null. */
export interface FloorState {
  terminalId: string;
  holder: FloorHolder | null;
}

/** A terminal as listed, with the fields newer servers add. */
export type MonitorTerminal = TerminalInfo & {
  /** False for terminals that cannot be paused (e.g. tmux panes). */
  pausable?: boolean;
  /** Present while someone holds the floor. */
  floor?: FloorHolder;
};

/** One command of a terminal's history. */
export interface CommandRecord {
  command: string;
  startedAt: string;
  durationMs?: number;
  exitCode?: number | null;
  cwd?: string;
  source?: 'execute' | 'typed';
}

/** Who the page is logged in as. */
export type SessionPrincipal =
  | { kind: 'admin'; name?: string }
  | { kind: 'agent'; name?: string; agentIds?: string[]; agentIdPrefix?: string }
  | { kind: 'viewer'; name?: string };

/** A security alert as the app keeps it. */
export interface SecurityAlert {
  severity: 'info' | 'warning' | 'critical';
  reason: string;
  rule?: string;
  command?: string;
  agentId?: string;
  terminalId?: string;
}

export type { TerminalActivity };

/** The four tile states (also the tiles' `data-state`). */
export type TileState = TerminalActivity['activity'];
