import { describe, expect, it } from 'vitest';
import {
  exitLabel,
  formatDuration,
  formatElapsed,
  stateLabel,
  tileState,
} from '../src/app/lib/activity-format';
import type { MonitorTerminal, TerminalActivity } from '../src/app/lib/types';

const info = (state: 'running' | 'exited' = 'running'): MonitorTerminal => ({
  id: 't1',
  agentId: 'a',
  createdAt: '2026-01-01T00:00:00Z',
  state,
  pid: 1,
  mode: 'interactive',
  backend: 'direct',
  cols: 80,
  rows: 24,
});
const activity = (state: TerminalActivity['activity']): TerminalActivity => ({
  terminalId: 't1',
  activity: state,
});

describe('tileState', () => {
  it('follows the activity, idle before any is known, exited when either source says so', () => {
    expect(tileState(info(), undefined)).toBe('idle');
    expect(tileState(info(), activity('awaiting_input'))).toBe('awaiting_input');
    expect(tileState(info(), activity('running'))).toBe('running');
    expect(tileState(info('exited'), activity('running'))).toBe('exited');
    expect(tileState(info(), activity('exited'))).toBe('exited');
  });
});

describe('labels', () => {
  it('names each state', () => {
    expect(['idle', 'running', 'awaiting_input', 'exited'].map((s) => stateLabel(s as never))).toEqual([
      'idle',
      'running',
      'awaiting input',
      'exited',
    ]);
  });

  it('says how a terminal or command ended', () => {
    expect(exitLabel(0)).toBe('exit 0');
    expect(exitLabel(130, 'SIGINT')).toBe('exit 130');
    expect(exitLabel(null, 'SIGKILL')).toBe('killed (SIGKILL)');
    expect(exitLabel(undefined)).toBe('ended');
  });
});

describe('formatElapsed', () => {
  const start = Date.parse('2026-01-01T00:00:00Z');
  it('ticks whole seconds, then minutes and seconds, then hours and minutes', () => {
    expect(formatElapsed('2026-01-01T00:00:00Z', start + 7_900)).toBe('7s');
    expect(formatElapsed('2026-01-01T00:00:00Z', start + 245_000)).toBe('4m 05s');
    expect(formatElapsed('2026-01-01T00:00:00Z', start + 7_380_000)).toBe('2h 03m');
  });

  it('shows nothing without a start time and never a negative time (clock skew)', () => {
    expect(formatElapsed(undefined, start)).toBe('');
    expect(formatElapsed('garbage', start)).toBe('');
    expect(formatElapsed('2026-01-01T00:00:10Z', start)).toBe('0s');
  });
});

describe('formatDuration', () => {
  it('uses ms below a second and tenths below a minute', () => {
    expect(formatDuration(42)).toBe('42ms');
    expect(formatDuration(1_234)).toBe('1.2s');
    expect(formatDuration(59_999)).toBe('59.9s');
    expect(formatDuration(61_000)).toBe('1m 01s');
    expect(formatDuration(-1)).toBe('–');
  });
});
