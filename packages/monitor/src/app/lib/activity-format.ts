// How a terminal's state reads on a tile: which of the four states it is in (the listing and the
// live activity can disagree for a moment; exited wins), its label, the running command's elapsed
// time and a finished command's duration and exit status.
import type { MonitorTerminal, TerminalActivity, TileState } from './types';

/** The tile's state: `exited` once either source says so, else the activity (idle before any is known). */
export function tileState(info: MonitorTerminal, activity: TerminalActivity | undefined): TileState {
  if (info.state === 'exited' || activity?.activity === 'exited') return 'exited';
  return activity?.activity ?? 'idle';
}

/** Words for a state. */
export function stateLabel(state: TileState): string {
  switch (state) {
    case 'idle':
      return 'idle';
    case 'running':
      return 'running';
    case 'awaiting_input':
      return 'awaiting input';
    case 'exited':
      return 'exited';
  }
}

/** `1.2s`-style compact duration for durations under a minute, then `4m 05s`, then `2h 03m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)}s`;
  const totalSeconds = Math.floor(ms / 1_000);
  const hours = Math.floor(totalSeconds / 3_600);
  const minutes = Math.floor((totalSeconds % 3_600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours}h ${pad(minutes)}m`;
  return `${minutes}m ${pad(seconds)}s`;
}

/** Whole seconds since `since` (ISO) at `nowMs`, as a ticking clock: `7s`, `4m 05s`, `2h 03m`. */
export function formatElapsed(since: string | undefined, nowMs: number): string {
  const start = since === undefined ? Number.NaN : Date.parse(since);
  if (Number.isNaN(start)) return '';
  const ms = Math.max(0, nowMs - start);
  return ms < 60_000 ? `${Math.floor(ms / 1_000)}s` : formatDuration(ms);
}

/** How a terminal or command ended: `exit 0`, `exit 1`, `killed (SIGTERM)`, or `ended` when unknown. */
export function exitLabel(exitCode: number | null | undefined, signal?: string | null): string {
  if (typeof exitCode === 'number') return `exit ${exitCode}`;
  if (signal) return `killed (${signal})`;
  return 'ended';
}

function pad(value: number): string {
  return value.toString().padStart(2, '0');
}
