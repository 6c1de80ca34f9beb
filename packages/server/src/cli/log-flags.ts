// `--log-level` and `--log-format` of the commands that run a server (`serve`, `node`): checked
// against their choices by commander, so a typo is a usage error naming the choices instead of
// pino's "default level:loud must be included in custom levels". `ORCHFLOW_LOG_LEVEL` sets the
// level when the flag is absent.
import { type Command, Option } from 'commander';
import { LOG_LEVELS } from '../log-levels';

/** Adds the two logging flags to `command`. */
export function addLogFlags(command: Command): Command {
  return command
    .addOption(
      new Option('--log-level <level>', 'minimum level of log lines')
        .choices(LOG_LEVELS)
        .default('info')
        .env('ORCHFLOW_LOG_LEVEL'),
    )
    .addOption(
      new Option('--log-format <format>', 'auto is human text when stderr is a terminal, else JSON lines')
        .choices(['human', 'json', 'auto'])
        .default('auto'),
    );
}

/** `--log-format`'s value for the logger: `auto` is human text on a terminal, else JSON lines. */
export function logFormat(value: string | undefined): 'human' | 'json' {
  if (value === 'human' || value === 'json') return value;
  return process.stderr.isTTY ? 'human' : 'json';
}
