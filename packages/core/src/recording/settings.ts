// What a recorder is told: its terminal, the plugin's settings, and the counters it keeps.
import type { CastFormat } from './asciicast';
import type { RecordingDirectory } from './directory';

/** Counters shared by every recorder of a plugin (see `RecordingPlugin.stats`). */
export interface RecordingCounters {
  active: number;
  finished: number;
  failed: number;
  truncated: number;
  bytesWritten: number;
}

/** What a recorder is told about its terminal. */
export interface RecordedTerminal {
  terminalId: string;
  agentId: string;
  cols: number;
  rows: number;
  shell?: string;
  /** Path of the first file without `.cast` (`<dir>/<agent>/<terminal id>`). */
  basePath: string;
}

/** Settings shared by a plugin's recorders. */
export interface RecorderSettings {
  format: CastFormat;
  /** Record input (`i` events). */
  input: boolean;
  maxBytes: number | undefined;
  rotate: boolean;
  term: string;
  directory: RecordingDirectory;
  counters: RecordingCounters;
  /** Hears the error that stopped a recording, once. */
  onError(error: Error, path: string): void;
}
