// Reads the sidecar index `<file>.index.json` the recorder rewrites after each command ends
// (shape in the #16 contract). It is a shortcut to the commands and their byte offsets, never the
// truth: the .cast file's markers are. A malformed index fails with InvalidParams.
import { readFile } from 'node:fs/promises';
import { invalidParams } from '../errors';

/** One command as listed by a recording: from its sidecar index or its markers. */
export interface RecordedCommand {
  /** 1-based number of the command in the recording. */
  n: number;
  command: string;
  cwd?: string;
  /** Null when unknown: the command has not ended (or ended without a status) in this file. */
  exitCode: number | null;
  /** Undefined when the command has not ended in this file. */
  durationMs?: number;
  /** ISO time the command started, when known (index only). */
  startedAt?: string;
  /** Seconds since the recording started, at the command's start marker. */
  time: number;
  /** File byte offset of the command's start marker event. */
  byteOffset: number;
  /** False for a command whose end marker is not in the file (still running, or the writer died). */
  ended: boolean;
}

/** The sidecar index of a recording (`<file>.index.json`). */
export interface RecordingIndex {
  version: 1;
  format: 'asciicast-v2' | 'asciicast-v3';
  terminalId: string;
  agentId: string;
  commands: RecordedCommand[];
}

/** The sidecar index path of the recording at `castPath`. */
export function indexPathOf(castPath: string): string {
  return `${castPath}.index.json`;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

function toCommand(raw: unknown): RecordedCommand | undefined {
  if (!isObject(raw)) return undefined;
  const { n, command, cwd, exitCode, durationMs, startedAt, time, byteOffset } = raw;
  if (!isCount(n) || n < 1 || typeof command !== 'string' || !isCount(byteOffset)) return undefined;
  if (typeof time !== 'number' || !(time >= 0)) return undefined;
  if (exitCode !== null && !Number.isInteger(exitCode)) return undefined;
  if (durationMs !== undefined && !(typeof durationMs === 'number' && durationMs >= 0)) return undefined;
  const out: RecordedCommand = {
    n,
    command,
    exitCode: exitCode as number | null,
    time,
    byteOffset,
    ended: true,
  };
  if (typeof cwd === 'string') out.cwd = cwd;
  if (typeof durationMs === 'number') out.durationMs = durationMs;
  if (typeof startedAt === 'string') out.startedAt = startedAt;
  return out;
}

/**
 * Reads and validates the sidecar index of the recording at `castPath`; undefined when there is
 * none. A malformed index fails with InvalidParams saying what is wrong.
 */
export async function readRecordingIndex(castPath: string): Promise<RecordingIndex | undefined> {
  const path = indexPathOf(castPath);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const bad = (reason: string) => invalidParams(`${path}: ${reason}`, { path, reason });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw bad('is not valid JSON');
  }
  if (!isObject(raw) || raw.version !== 1) throw bad('is not a version 1 recording index');
  if (raw.format !== 'asciicast-v2' && raw.format !== 'asciicast-v3')
    throw bad(`has unknown format ${JSON.stringify(raw.format)}`);
  if (typeof raw.terminalId !== 'string' || typeof raw.agentId !== 'string')
    throw bad('has no terminalId/agentId');
  if (!Array.isArray(raw.commands)) throw bad('has no commands array');
  const commands: RecordedCommand[] = [];
  for (const [i, entry] of raw.commands.entries()) {
    const command = toCommand(entry);
    if (!command) throw bad(`command #${i + 1} is malformed`);
    const previous = commands.at(-1);
    if (previous && (command.n <= previous.n || command.byteOffset <= previous.byteOffset)) {
      throw bad(`command #${i + 1} is out of order`);
    }
    commands.push(command);
  }
  return { version: 1, format: raw.format, terminalId: raw.terminalId, agentId: raw.agentId, commands };
}
