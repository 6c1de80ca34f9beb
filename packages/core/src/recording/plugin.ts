// `RecordingPlugin`: records terminals as asciicast files through the orchestrator's public
// events. Which terminals: those whose spawn config asks (`recording: true` / `{ input }`), or every
// one with `all` or under a policy with `recording: 'all'`; never one under `recording: 'none'` or
// that opted out (`recording: false`). Everything else is the recorder's (recorder.ts).

import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { rawOutputOf } from '@orchflow/terminal/internal';
import type { TerminalSpawnEvent } from '../events';
import type { Orchestrator } from '../orchestrator';
import type { OrchflowPlugin, PluginContext } from '../plugins';
import { RecordingDirectory } from './directory';
import { parseRecordingOptions, type RecordingOptions, type ResolvedRecordingOptions } from './options';
import { TerminalRecorder } from './recorder';
import type { RecordingCounters } from './settings';

/** What `RecordingPlugin.stats()` reports (metrics may read it). */
export interface RecordingStats {
  /** Recordings being written now. */
  active: number;
  /** Recordings that ended normally (terminal exit, shutdown, or their size limit). */
  finished: number;
  /** Recordings stopped by a write error (disk full, …). */
  failed: number;
  /** Recordings cut at a size limit. */
  truncated: number;
  /** Bytes written to recording files by this plugin. */
  bytesWritten: number;
  /** Finished recordings deleted to keep the directory under its budget or past `retentionMs`. */
  deleted: number;
}

/** Records terminals as asciicast files; see the module comment and docs/observability.md. */
export class RecordingPlugin implements OrchflowPlugin {
  /** Plugin name and version. */
  readonly metadata = { name: 'recording', version: '1.0.0' };
  private readonly options: ResolvedRecordingOptions;
  private readonly directory: RecordingDirectory;
  private readonly counters: RecordingCounters = {
    active: 0,
    finished: 0,
    failed: 0,
    truncated: 0,
    bytesWritten: 0,
  };
  private readonly recorders = new Map<string, TerminalRecorder>();
  private orchestrator: Orchestrator | undefined;
  private report: PluginContext['reportError'];

  /** A recorder with `options`; throws InvalidParams naming every bad option. */
  constructor(options: RecordingOptions) {
    this.options = parseRecordingOptions(options);
    this.directory = new RecordingDirectory(
      this.options.dir,
      this.options.maxBytesPerDirectory,
      this.options.retentionMs,
    );
  }

  /** The directory recordings go to (absolute). */
  get dir(): string {
    return this.options.dir;
  }

  /** Counters of this plugin's recordings. */
  stats(): RecordingStats {
    return { ...this.counters, deleted: this.directory.deleted };
  }

  /** The file a terminal is being recorded to now, or undefined when it is not. */
  recordingOf(terminalId: string): string | undefined {
    const recorder = this.recorders.get(terminalId);
    return recorder && !recorder.done ? recorder.path : undefined;
  }

  /** Creates the directory, accounts for the recordings already in it and starts listening. */
  onInit(ctx: PluginContext): void {
    mkdirSync(this.options.dir, { recursive: true, mode: 0o700 });
    this.directory.scan();
    // Old recordings go at start (scan) and then periodically, until the orchestrator shuts down.
    this.directory.startSweeping(() => !ctx.orchestrator.isShutDown);
    this.orchestrator = ctx.orchestrator;
    this.report = ctx.reportError;
    const orch = ctx.orchestrator;
    orch.on('terminal.spawn', (event) => this.start(event));
    orch.on('terminal.output', (event) =>
      this.recorders.get(event.terminalId)?.output(event.offset, rawOutputOf(event) ?? event.data),
    );
    orch.on('terminal.command', ({ terminalId, type, record, outputOffset }) =>
      this.recorders.get(terminalId)?.command(type, record, outputOffset),
    );
    orch.on('terminal.resize', ({ terminalId, cols, rows }) =>
      this.recorders.get(terminalId)?.resize(cols, rows),
    );
    orch.on('terminal.input', ({ terminalId, data }) => this.recorders.get(terminalId)?.input(data));
    orch.on('terminal.exit', ({ terminalId, exitCode }) => {
      this.recorders.get(terminalId)?.exit(exitCode);
      this.recorders.delete(terminalId);
    });
  }

  /** Closes every recording (what is buffered is written); later output is not recorded. */
  close(): void {
    this.directory.stop();
    for (const recorder of this.recorders.values()) recorder.close();
    this.recorders.clear();
  }

  private wanted(event: TerminalSpawnEvent): { input: boolean } | undefined {
    const asked = event.recording;
    if (asked === false || this.orchestrator?.securityPolicy?.recording === 'none') return undefined;
    if (asked === undefined && !this.options.all && this.orchestrator?.securityPolicy?.recording !== 'all') {
      return undefined;
    }
    const input = typeof asked === 'object' && asked.input !== undefined ? asked.input : this.options.input;
    return { input };
  }

  private start(event: TerminalSpawnEvent): void {
    const wanted = this.wanted(event);
    const orch = this.orchestrator;
    if (!wanted || !orch) return;
    const { terminal } = event;
    const basePath = join(this.options.dir, agentDirName(terminal.agentId), terminal.id);
    // Output printed before the terminal was announced (its first prompt) opens the recording.
    let backlog = { data: '', nextOffset: 0 };
    try {
      backlog = orch.read(terminal.id, { fromOffset: 0 });
    } catch {
      // Rotated out or gone: the recording starts with what comes next.
    }
    const settings = {
      format: this.options.format,
      input: wanted.input,
      maxBytes: this.options.maxBytesPerRecording,
      rotate: this.options.rotate,
      term: this.options.term,
      directory: this.directory,
      counters: this.counters,
      onError: (error: Error, path: string) => this.failed(terminal.id, terminal.agentId, path, error),
    };
    const info = {
      terminalId: terminal.id,
      agentId: terminal.agentId,
      cols: terminal.cols,
      rows: terminal.rows,
      shell: terminal.shell,
      basePath,
    };
    try {
      this.recorders.set(terminal.id, new TerminalRecorder(info, settings, backlog.data, backlog.nextOffset));
    } catch (error) {
      // The file could not even be created: the terminal runs unrecorded, and it is reported.
      this.counters.failed++;
      this.failed(terminal.id, terminal.agentId, `${basePath}.cast`, error);
    }
  }

  private failed(terminalId: string, agentId: string, path: string, error: unknown): void {
    const failure = error instanceof Error ? error : new Error(String(error));
    this.report?.(
      'recording',
      new Error(`recording of terminal ${terminalId} stopped (${path}): ${failure.message}`),
    );
    try {
      this.options.onError({ terminalId, agentId, path, error: failure });
    } catch {
      // A caller's handler must not break the terminal whose recording failed.
    }
  }
}

/**
 * The directory name of an agent's recordings: the agent id where it is a safe file name, else
 * with unsafe characters (and a leading dot) escaped as `%XX`; very long ids are shortened with a
 * hash so names stay within file system limits.
 */
export function agentDirName(agentId: string): string {
  const escaped = agentId.replace(/[^A-Za-z0-9_.-]|^\./gu, (ch) =>
    [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
  if (escaped.length <= 200) return escaped;
  const hash = createHash('sha256').update(agentId).digest('hex').slice(0, 16);
  return `${escaped.slice(0, 180)}-${hash}`;
}
