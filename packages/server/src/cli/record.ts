// `orchflow record list FILE|DIR` and `orchflow record show FILE --command N`: the commands of a
// recording with exit codes (from its sidecar index, else its markers), the recordings of a
// `serve --record` directory, and the output of one command.
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import {
  listRecordedCommands,
  openRecordedCommand,
  type RecordedCommand,
  type RecordedCommandList,
} from '@orchflow/core';
import { isOrchflowError } from '@orchflow/protocol';
import { commandNumber, formatDuration, usageError, withUsageErrors } from './recording-args';
import { play } from './replay';
import { formatRows } from './table';

export interface ListFlags {
  json?: boolean;
}

export interface ShowFlags {
  command?: string;
}

/** The exit column: the code, `signal` when it ended without one, `-` while not ended. */
function exitCell(command: RecordedCommand): string {
  if (!command.ended) return '-';
  return command.exitCode === null ? 'signal' : String(command.exitCode);
}

/** The commands of one recording as a table. */
export function formatCommands(commands: RecordedCommand[]): string {
  return formatRows([
    ['N', 'EXIT', 'DURATION', 'CWD', 'COMMAND'],
    ...commands.map((c) => [String(c.n), exitCell(c), formatDuration(c.durationMs), c.cwd ?? '-', c.command]),
  ]);
}

function warn(list: RecordedCommandList): void {
  for (const warning of list.warnings) process.stderr.write(`orchflow: warning: ${warning}\n`);
  if (list.truncated) {
    process.stderr.write(
      `orchflow: ${list.path}: the last line is incomplete (the recorder stopped mid-write); ignored\n`,
    );
  }
}

/** What `record list FILE --json` prints for one recording. */
function fileJson(list: RecordedCommandList) {
  const { header } = list;
  return {
    path: list.path,
    format: `asciicast-v${header.version}`,
    cols: header.cols,
    rows: header.rows,
    title: header.title,
    agentId: list.agentId,
    terminalId: list.terminalId,
    source: list.source,
    commands: list.commands,
    truncated: list.truncated,
    warnings: list.warnings,
  };
}

/** The `.cast` files under `dir` (a `serve --record` directory: `<agent>/<terminal>.cast`), sorted. */
async function castFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries
    .filter((name) => name.endsWith('.cast'))
    .map((name) => join(dir, name))
    .sort();
}

async function listDir(dir: string, flags: ListFlags): Promise<number> {
  const recordings = [];
  const skipped: { path: string; reason: string }[] = [];
  for (const path of await castFiles(dir)) {
    try {
      const list = await listRecordedCommands(path);
      recordings.push({
        ...fileJson(list),
        // The recorder's layout: <dir>/<agentId>/<terminalId>.cast; the header title is the agent.
        agentId: list.agentId ?? list.header.title ?? basename(dirname(path)),
        terminalId: list.terminalId ?? basename(path, '.cast'),
        failures: list.commands.filter((c) => c.ended && c.exitCode !== 0).length,
      });
    } catch (error) {
      if (!isOrchflowError(error)) throw error;
      skipped.push({ path, reason: error.message });
    }
  }
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ recordings, skipped }, null, 2)}\n`);
  } else {
    const rows = recordings.map((r) => [
      r.agentId,
      r.terminalId,
      String(r.commands.length),
      String(r.failures),
      r.format,
      relative(dir, r.path),
    ]);
    if (rows.length === 0) process.stderr.write(`orchflow: no recordings (.cast files) in ${dir}\n`);
    else
      process.stdout.write(
        `${formatRows([['AGENT', 'TERMINAL', 'COMMANDS', 'FAILED', 'FORMAT', 'FILE'], ...rows])}\n`,
      );
  }
  for (const { reason } of skipped) process.stderr.write(`orchflow: skipped: ${reason}\n`);
  return 0;
}

/** Runs `orchflow record list`. */
export async function recordList(target: string, flags: ListFlags): Promise<number> {
  return withUsageErrors(target, async () => {
    if ((await stat(target)).isDirectory()) return listDir(target, flags);
    const list = await listRecordedCommands(target);
    process.stdout.write(
      flags.json ? `${JSON.stringify(fileJson(list), null, 2)}\n` : `${formatCommands(list.commands)}\n`,
    );
    warn(list);
    return 0;
  });
}

/** Runs `orchflow record show`: command N's output, as recorded (escape sequences included). */
export async function recordShow(file: string, flags: ShowFlags): Promise<number> {
  return withUsageErrors(file, async () => {
    if (flags.command === undefined)
      throw usageError('record show needs --command N (see orchflow record list)');
    const n = commandNumber(flags.command);
    const opened = await openRecordedCommand(file, n);
    // Played with no pauses: the same byte-exact, back-pressured writes as replay.
    await play(opened.events(), process.stdout, { speed: Number.POSITIVE_INFINITY, start: 0 });
    if (!opened.command.ended) process.stderr.write(`orchflow: command ${n} did not end in this recording\n`);
    return 0;
  });
}
