// The durations the CLI's flags take (`--session-idle`, `--ui-session-lifetime`,
// `--record-retention`): one syntax for all of them; each flag keeps its own bounds and message.

const UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/**
 * A flag's duration in milliseconds: a whole number with a unit (`500ms`, `90s`, `30m`, `12h`,
 * `7d`, `2w`), or a plain number of milliseconds when `bareMs`; NaN when it is neither.
 */
export function durationMs(value: string, bareMs: boolean): number {
  const match = /^(\d+)\s*(ms|s|m|h|d|w)?$/.exec(value.trim());
  if (!match || (match[2] === undefined && !bareMs)) return Number.NaN;
  return Number(match[1]) * (UNITS_MS[match[2] ?? 'ms'] as number);
}
