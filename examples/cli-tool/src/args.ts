// Command-line parsing for orchflow-par with node:util's parseArgs. Every mistake becomes a
// UsageError naming the flag and what to write instead; main prints it with the usage and exits 2.
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { parseDuration } from './duration';

/** The usage text printed by `--help` and after a usage error. */
export const USAGE = `Usage:
  orchflow-par [options] -n N -- COMMAND...          run COMMAND in N terminals in parallel
  orchflow-par [options] --each PATTERN -- COMMAND... run COMMAND once in every matching directory

Options:
  -n, --jobs N            number of copies of COMMAND (each sees PAR_INDEX=1..N)
  -e, --each PATTERN      directories to run in, e.g. 'packages/*' (* and ? match within one
                          path segment); repeatable; unquoted shell-expanded lists work too
  -p, --max-parallel N    jobs running at once (default: CPU count, ${availableParallelism()} here)
  -t, --timeout DURATION  interrupt a job after DURATION (500ms, 30s, 2m; a bare number is seconds)
  -q, --quiet             no live output, only the summary
      --connect URL       use a running server (orchflow serve --ws PORT): ws://127.0.0.1:PORT
      --token TOKEN       token for --connect (default: $ORCHFLOW_TOKEN)
      --stdio             spawn \`orchflow serve --stdio\` as a sidecar instead of embedding
  -h, --help              show this help

Without --connect or --stdio an orchestrator runs inside this process.
Exit status: 0 all jobs passed, 1 a job did not pass (or no server), 2 usage error,
130 interrupted (Ctrl-C).`;

/** Where the jobs run. */
export type Backend =
  | { kind: 'embedded' }
  | { kind: 'stdio' }
  | { kind: 'websocket'; url: string; token: string | undefined };

/** Validated options of one orchflow-par run. */
export interface ParOptions {
  /** The shell command line every job runs. */
  command: string;
  /** `copies` identical jobs, or one job per directory. */
  target: { kind: 'copies'; count: number } | { kind: 'each'; patterns: string[] };
  maxParallel: number;
  timeoutMs: number | undefined;
  quiet: boolean;
  backend: Backend;
}

/** What the command line asks for: a run, or the help text. */
export type Parsed = { kind: 'help' } | { kind: 'run'; options: ParOptions };

/** A mistake on the command line (InvalidParams); main exits 2 with the usage. */
export class UsageError extends OrchflowError {
  constructor(message: string) {
    super(ErrorCode.InvalidParams, message);
  }
}

/** Parses and validates `argv` (without node and the script path). Throws {@link UsageError}. */
export function parseCommandLine(argv: string[], env: NodeJS.ProcessEnv = process.env): Parsed {
  let parsed: ReturnType<typeof parseRaw>;
  try {
    parsed = parseRaw(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals, tokens } = parsed;
  if (values.help) return { kind: 'help' };

  // Words after `--` are the command; words before it are directories when --each was shell-expanded.
  const dashDash = tokens.find((token) => token.kind === 'option-terminator')?.index ?? argv.length;
  const before = positionals.filter((_, i) => positionalIndex(tokens, i) < dashDash);
  const commandWords = positionals.filter((_, i) => positionalIndex(tokens, i) > dashDash);
  const each = values.each ?? [];
  if (before.length > 0 && each.length === 0) {
    throw new UsageError(`unexpected '${before[0]}' before '--': put the command after '--'`);
  }
  if (commandWords.length === 0) throw new UsageError("no command: write it after '--', e.g. -- npm test");
  const command = commandWords.join(' ');

  if (values.jobs !== undefined && each.length > 0)
    throw new UsageError('use either -n/--jobs or --each, not both');
  if (values.jobs === undefined && each.length === 0)
    throw new UsageError('say where to run: -n N or --each PATTERN');
  const target: ParOptions['target'] =
    each.length > 0
      ? { kind: 'each', patterns: [...each, ...before] }
      : { kind: 'copies', count: positiveInt('--jobs', values.jobs as string, 1000) };

  const maxParallel =
    values['max-parallel'] === undefined
      ? availableParallelism()
      : positiveInt('--max-parallel', values['max-parallel'], 64);
  let timeoutMs: number | undefined;
  if (values.timeout !== undefined) {
    const ms = parseDuration(values.timeout);
    if (ms === undefined)
      throw new UsageError(`--timeout '${values.timeout}' is not a duration: write e.g. 500ms, 30s or 2m`);
    timeoutMs = ms;
  }

  if (values.connect !== undefined && values.stdio)
    throw new UsageError('use either --connect or --stdio, not both');
  if (values.token !== undefined && values.connect === undefined)
    throw new UsageError('--token needs --connect');
  let backend: Backend = values.stdio ? { kind: 'stdio' } : { kind: 'embedded' };
  if (values.connect !== undefined) {
    if (!/^wss?:\/\/./.test(values.connect)) {
      throw new UsageError(`--connect '${values.connect}' is not a WebSocket URL: write ws://HOST:PORT`);
    }
    backend = { kind: 'websocket', url: values.connect, token: values.token ?? env.ORCHFLOW_TOKEN };
  }
  return {
    kind: 'run',
    options: { command, target, maxParallel, timeoutMs, quiet: values.quiet ?? false, backend },
  };
}

function parseRaw(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    tokens: true,
    options: {
      jobs: { type: 'string', short: 'n' },
      each: { type: 'string', short: 'e', multiple: true },
      'max-parallel': { type: 'string', short: 'p' },
      timeout: { type: 'string', short: 't' },
      quiet: { type: 'boolean', short: 'q' },
      connect: { type: 'string' },
      token: { type: 'string' },
      stdio: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** The argv index of the `n`-th positional. */
function positionalIndex(tokens: NonNullable<ReturnType<typeof parseRaw>['tokens']>, n: number): number {
  const positional = tokens.filter((token) => token.kind === 'positional')[n];
  return positional?.index ?? Number.POSITIVE_INFINITY;
}

function positiveInt(flag: string, text: string, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > max) {
    throw new UsageError(`${flag} '${text}' must be a whole number from 1 to ${max}`);
  }
  return value;
}
