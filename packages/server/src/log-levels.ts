// The levels a server logger takes, apart from the logger (pino) itself, so the CLI can offer
// them as `--log-level` choices without loading pino.
import type { LevelWithSilent } from 'pino';

/** The levels a logger takes, lowest first (`silent` logs nothing). */
export const LOG_LEVELS: readonly LevelWithSilent[] = [
  'trace',
  'debug',
  'info',
  'warn',
  'error',
  'fatal',
  'silent',
];
