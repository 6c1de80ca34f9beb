// The commands of a recording: from its `m` markers (`$ <command>` at the start, `exit <code> ·
// <duration> · <cwd>` at the end), sped up by the sidecar index when there is a valid one. The
// index is rewritten only after a command ends, so the markers after its last entry are read too:
// a command still running, or cut off by a crash, is listed as not ended.
import { isOrchflowError } from '@orchflow/protocol';
import { invalidParams } from '../errors';
import { clipLabel, startLabel } from './asciicast';
import {
  openRecording,
  type RecordingEvent,
  type RecordingHeader,
  type RecordingStream,
  type TruncatedLine,
} from './reader';
import { type RecordedCommand, type RecordingIndex, readRecordingIndex } from './reader-index';

/** What {@link readRecording} finds in one pass over a recording. */
export interface RecordingSummary {
  path: string;
  header: RecordingHeader;
  /** The commands, from the markers (the sidecar index is not used). */
  commands: RecordedCommand[];
  /** Number of events (all codes). */
  events: number;
  /** Seconds from the start to the last event. */
  durationSec: number;
  /** The terminal's exit status from a v3 `x` event, when there is one. */
  exitStatus?: string;
  truncated?: TruncatedLine;
}

/** What {@link listRecordedCommands} returns. */
export interface RecordedCommandList {
  path: string;
  header: RecordingHeader;
  commands: RecordedCommand[];
  /** `index` when the sidecar index was used (plus the markers after its last entry). */
  source: 'index' | 'markers';
  /** The sidecar index's ids, when it was used. */
  agentId?: string;
  terminalId?: string;
  /** Why the sidecar index was not used, if it exists but is malformed or does not match. */
  warnings: string[];
  truncated?: TruncatedLine;
}

/** One command's events, from its start marker to its end marker (see {@link openRecordedCommand}). */
export interface RecordedCommandEvents {
  command: RecordedCommand;
  header: RecordingHeader;
  /** The events; iterate once. Times stay relative to the recording's start. */
  events(): AsyncGenerator<RecordingEvent>;
}

/** The command text of a start marker label (`$ <command>`), else undefined. */
export function parseStartMarker(label: string): string | undefined {
  return label.startsWith('$ ') ? label.slice(2) : undefined;
}

/** Exit code, duration and cwd of an end marker label (`exit <code> · <duration> · <cwd>`), else undefined. */
export function parseEndMarker(
  label: string,
): { exitCode: number | null; durationMs?: number; cwd?: string } | undefined {
  if (!label.startsWith('exit ')) return undefined;
  const [code = '', duration, ...cwd] = label.slice(5).split(' · ');
  const exitCode = /^-?\d+$/.test(code.trim()) ? Number(code.trim()) : null;
  const out: { exitCode: number | null; durationMs?: number; cwd?: string } = { exitCode };
  // The recorder writes `850ms`, `1.25s` or `2m03s`.
  const d = duration?.trim().match(/^(?:(\d+)m)?(\d+(?:\.\d+)?)(ms|s)$/);
  if (d) out.durationMs = Number(d[1] ?? 0) * 60_000 + Number(d[2]) * (d[3] === 's' ? 1000 : 1);
  if (cwd.length > 0) out.cwd = cwd.join(' · ');
  return out;
}

interface Scan {
  commands: RecordedCommand[];
  events: number;
  lastTime: number;
  exitStatus?: string;
}

/** Builds the command list from the marker events of `events`, numbering from `firstN`. */
async function scanMarkers(events: AsyncIterable<RecordingEvent>, firstN: number): Promise<Scan> {
  const scan: Scan = { commands: [], events: 0, lastTime: 0 };
  let open: RecordedCommand | undefined;
  for await (const event of events) {
    scan.events++;
    scan.lastTime = event.time;
    if (event.code === 'x') scan.exitStatus = event.data;
    if (event.code !== 'm') continue;
    const command = parseStartMarker(event.data);
    if (command !== undefined) {
      const n = firstN + scan.commands.length;
      open = { n, command, exitCode: null, time: event.time, byteOffset: event.byteOffset, ended: false };
      scan.commands.push(open);
      continue;
    }
    const end = open && parseEndMarker(event.data);
    if (open && end) {
      open.ended = true;
      open.exitCode = end.exitCode;
      open.durationMs = end.durationMs ?? Math.round((event.time - open.time) * 1000);
      if (end.cwd !== undefined) open.cwd = end.cwd;
      open = undefined;
    }
  }
  return scan;
}

/** Reads a whole recording once (bounded memory) and lists its commands from the markers. */
export async function readRecording(path: string): Promise<RecordingSummary> {
  const stream = await openRecording(path);
  const scan = await scanMarkers(stream.events(), 1);
  const summary: RecordingSummary = {
    path,
    header: stream.header,
    commands: scan.commands,
    events: scan.events,
    durationSec: scan.lastTime,
  };
  if (scan.exitStatus !== undefined) summary.exitStatus = scan.exitStatus;
  if (stream.truncated) summary.truncated = stream.truncated;
  return summary;
}

/** Undefined for an OrchflowError (a malformed line); rethrows anything else (I/O). */
function unlessInvalid(error: unknown): undefined {
  if (isOrchflowError(error)) return undefined;
  throw error;
}

async function usableIndex(
  path: string,
  header: RecordingHeader,
  warnings: string[],
): Promise<RecordingIndex | undefined> {
  try {
    const index = await readRecordingIndex(path);
    if (index && index.format !== `asciicast-v${header.version}`) {
      warnings.push(
        `${path}.index.json is for ${index.format}, the file is asciicast v${header.version}; ignored`,
      );
      return undefined;
    }
    return index?.commands.length ? index : undefined;
  } catch (error) {
    if (!isOrchflowError(error)) throw error;
    warnings.push(`${error.message}; ignored`);
    return undefined;
  }
}

/**
 * Lists the commands of the recording at `path` with exit codes, durations and byte offsets: from
 * its sidecar index when valid (reading only the file after the last indexed command), else from
 * its markers. Fails with InvalidParams when the file is not asciicast v2/v3.
 */
export async function listRecordedCommands(path: string): Promise<RecordedCommandList> {
  const warnings: string[] = [];
  const whole = await openRecording(path);
  const index = await usableIndex(path, whole.header, warnings);
  const last = index?.commands.at(-1);
  if (index && last) {
    const tail = await openRecording(path, { fromByte: last.byteOffset, timeAtFromByte: last.time });
    // An offset inside a line reads garbage: then the index is wrong, and the full scan below
    // tells whether the file itself is.
    const scan = await scanMarkers(tail.events(), last.n).catch(unlessInvalid);
    if (
      scan &&
      scan.commands[0]?.byteOffset === last.byteOffset &&
      sameCommand(scan.commands[0].command, last.command)
    ) {
      const list: RecordedCommandList = {
        path,
        header: whole.header,
        commands: [...index.commands, ...scan.commands.slice(1)],
        source: 'index',
        agentId: index.agentId,
        terminalId: index.terminalId,
        warnings,
      };
      if (tail.truncated) list.truncated = tail.truncated;
      return list;
    }
    warnings.push(`${path}.index.json does not match the recording's markers; ignored`);
  }
  const scan = await scanMarkers(whole.events(), 1);
  const list: RecordedCommandList = {
    path,
    header: whole.header,
    commands: scan.commands,
    source: 'markers',
    warnings,
  };
  if (whole.truncated) list.truncated = whole.truncated;
  return list;
}

function noSuchCommand(path: string, n: number, commands: RecordedCommand[]) {
  const have =
    commands.length === 0 ? 'it has no commands' : `it has commands ${commands[0]?.n}–${commands.at(-1)?.n}`;
  return invalidParams(`${path} has no command ${n}; ${have} (list them with 'orchflow record list')`, {
    path,
    n,
    commands: commands.length,
  });
}

/** Reads from `command`'s start marker; undefined when the event there is not that marker. */
async function fromStartMarker(path: string, command: RecordedCommand): Promise<RecordingStream | undefined> {
  const probe = (
    await openRecording(path, { fromByte: command.byteOffset, timeAtFromByte: command.time })
  ).events();
  const first = (await probe.next().catch(unlessInvalid)) ?? { done: true as const, value: undefined };
  await probe.return(undefined);
  const ok =
    !first.done &&
    first.value.code === 'm' &&
    sameCommand(parseStartMarker(first.value.data), command.command);
  return ok
    ? await openRecording(path, { fromByte: command.byteOffset, timeAtFromByte: command.time })
    : undefined;
}

/**
 * Opens command `n` (1-based, as listed by {@link listRecordedCommands}) of the recording at
 * `path`: its events run from its start marker to its end marker (to the end of the file, or the
 * next command, when it has none). Fails with InvalidParams for a bad `n` or a non-asciicast file.
 */
export async function openRecordedCommand(path: string, n: number): Promise<RecordedCommandEvents> {
  if (!Number.isInteger(n) || n < 1)
    throw invalidParams(`Command number must be a whole number ≥ 1, not ${n}`, { n });
  let list = await listRecordedCommands(path);
  let command = list.commands.find((c) => c.n === n);
  let stream = command && (await fromStartMarker(path, command));
  if (!stream && list.source === 'index') {
    // The index points elsewhere than the markers: trust the markers.
    const scan = await readRecording(path);
    list = { ...list, commands: scan.commands, source: 'markers' };
    command = list.commands.find((c) => c.n === n);
    stream = command && (await fromStartMarker(path, command));
  }
  if (!command || !stream) throw noSuchCommand(path, n, list.commands);
  const events = stream.events();
  return {
    command,
    header: list.header,
    async *events() {
      let started = false;
      for await (const event of events) {
        if (event.code === 'm' && parseStartMarker(event.data) !== undefined) {
          if (started) return; // the next command: this one never ended
          started = true;
        }
        yield event;
        if (event.code === 'm' && parseEndMarker(event.data)) return;
      }
    },
  };
}

/**
 * True when a start marker's command (clipped to the label limit when long) is the index's
 * command (always whole).
 */
function sameCommand(marked: string | undefined, indexed: string): boolean {
  return marked !== undefined && startLabel(marked) === clipLabel(startLabel(indexed));
}
