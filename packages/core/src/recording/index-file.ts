// The sidecar index of one recording file (`<file>.cast.index.json`, shape in the #16 contract):
// the commands that ended in it, each with the byte offset and time of its start marker, so a tool
// jumps straight to "the command that failed". Rewritten atomically (a temporary file renamed over
// it) after each command ends: a reader sees the old index or the new one, never half of one.
import { renameSync, writeFileSync } from 'node:fs';
import type { CastFormat } from './asciicast';
import { indexPathFor } from './directory';

/** One command of a recording's index. */
export interface IndexedCommand {
  /** 1-based number of the command in this file. */
  n: number;
  command: string;
  cwd?: string;
  exitCode: number | null;
  durationMs: number;
  /** ISO time the command started. */
  startedAt: string;
  /** Seconds since the recording started, at its start marker. */
  time: number;
  /** File byte offset of its start marker event line. */
  byteOffset: number;
}

/** The commands of one recording file, and their index file. */
export class CommandIndex {
  private readonly commands: IndexedCommand[] = [];
  private size = 0;

  /** The index of the recording at `castPath`. */
  constructor(
    private readonly castPath: string,
    private readonly format: CastFormat,
    private readonly terminalId: string,
    private readonly agentId: string,
  ) {}

  /** Path of the index file. */
  get path(): string {
    return indexPathFor(this.castPath);
  }

  /** Bytes of the index file as last written. */
  get bytes(): number {
    return this.size;
  }

  /** Adds an ended command and rewrites the file; returns the change in its size. Throws on a write error. */
  add(command: IndexedCommand): number {
    this.commands.push(command);
    const text = `${JSON.stringify({
      version: 1,
      format: this.format === 'v2' ? 'asciicast-v2' : 'asciicast-v3',
      terminalId: this.terminalId,
      agentId: this.agentId,
      commands: this.commands,
    })}\n`;
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, this.path);
    const before = this.size;
    this.size = Buffer.byteLength(text);
    return this.size - before;
  }
}
