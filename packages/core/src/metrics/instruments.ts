// The Prometheus metrics orchflow exports, declared once: names (prefix `orchflow_`, base units,
// `_total` for counters), help texts, label names and buckets. docs/observability.md lists the same
// set; the dashboard test checks docs/grafana-dashboard.json against a real scrape.
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RecordingStats } from '../recording/plugin';
import { promClient } from './prom-client';

/** Prefix of every orchflow metric (Node default metrics included). */
export const METRIC_PREFIX = 'orchflow_';

/** Buckets of `orchflow_command_duration_seconds`: 5 ms to 10 min. */
export const COMMAND_DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
];
/** Buckets of `orchflow_rpc_request_duration_seconds`: 0.5 ms to 30 s. */
export const RPC_DURATION_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];
/** Buckets of `orchflow_audit_write_duration_seconds`: 0.1 ms to 1 s (an append waits for fsync). */
export const AUDIT_WRITE_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
];

/** Values read at scrape time (never counted on the hot path). */
export interface ScrapeSource {
  /** Live terminals by backend and mode. */
  activeTerminals(): Iterable<{ backend: string; mode: string; count: number }>;
  /** Output totals (see `Orchestrator.outputStats`). */
  output(): { bytes: number; subscribers: number; gaps: number; flowControlPauses: number };
}

/** What a RecordingPlugin counts (its `stats()`), exported when the metrics are given one. */
export interface RecordingStatsSource {
  stats(): RecordingStats;
}

/** Registers the recording metrics, read from `source.stats()` at scrape time. */
export function createRecordingInstruments(registry: Registry, source: RecordingStatsSource): void {
  const p = METRIC_PREFIX;
  const { Gauge } = promClient();
  new Gauge({
    name: `${p}recordings_active`,
    help: 'Recordings being written now.',
    registers: [registry],
    collect() {
      this.set(source.stats().active);
    },
  });
  const counters: [string, string, (s: ReturnType<RecordingStatsSource['stats']>) => number][] = [
    [
      'recordings_finished_total',
      'Recordings that ended normally (terminal exit, shutdown, size limit).',
      (s) => s.finished,
    ],
    ['recording_failures_total', 'Recordings stopped by a write error (disk full, …).', (s) => s.failed],
    ['recordings_truncated_total', 'Recordings cut at their size limit.', (s) => s.truncated],
    ['recording_written_bytes_total', 'Bytes written to recording files.', (s) => s.bytesWritten],
    [
      'recordings_deleted_total',
      'Finished recordings deleted for the directory budget or retention period.',
      (s) => s.deleted,
    ],
  ];
  for (const [name, help, read] of counters) {
    scrapedCounter(registry, `${p}${name}`, help, () => read(source.stats()));
  }
}

/** Every orchflow metric, registered in one registry. */
export interface Instruments {
  terminalsActive: Gauge<'backend' | 'mode'>;
  spawns: Counter<'outcome'>;
  exits: Counter<'outcome'>;
  commandDuration: Histogram<'exit_class'>;
  commandsDenied: Counter<'rule'>;
  outputBytes: Counter;
  subscribers: Gauge;
  gaps: Counter;
  flowControlPauses: Counter;
  connectionsOpen: Gauge<'transport'>;
  connectionsOpened: Counter<'transport'>;
  rpcDuration: Histogram<'method' | 'outcome'>;
  auditWriteDuration: Histogram<'outcome'>;
}

/** A counter whose value is a total read at scrape time (it only ever grows). */
function scrapedCounter(registry: Registry, name: string, help: string, read: () => number): Counter {
  const { Counter } = promClient();
  return new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/** Creates and registers the metrics in `registry`; throws when one of the names is already there. */
export function createInstruments(registry: Registry, source: ScrapeSource): Instruments {
  const p = METRIC_PREFIX;
  const registers = [registry];
  const { Counter, Gauge, Histogram } = promClient();
  return {
    terminalsActive: new Gauge({
      name: `${p}terminals_active`,
      help: 'Terminals running now (not exited), by backend and execution mode.',
      labelNames: ['backend', 'mode'],
      registers,
      collect() {
        this.reset();
        for (const { backend, mode, count } of source.activeTerminals()) this.set({ backend, mode }, count);
      },
    }),
    spawns: new Counter({
      name: `${p}terminal_spawns_total`,
      help: 'Terminal spawns, by outcome: ok, denied (policy), quota, invalid (config) or failed.',
      labelNames: ['outcome'],
      registers,
    }),
    exits: new Counter({
      name: `${p}terminal_exits_total`,
      help: 'Terminals that exited, by outcome: ok (exit 0), error (non-zero) or signal (killed).',
      labelNames: ['outcome'],
      registers,
    }),
    commandDuration: new Histogram({
      name: `${p}command_duration_seconds`,
      help: 'Duration of commands run, by exit class: ok, error (non-zero or failed), timeout, signal.',
      labelNames: ['exit_class'],
      buckets: COMMAND_DURATION_BUCKETS,
      registers,
    }),
    commandsDenied: new Counter({
      name: `${p}commands_denied_total`,
      help: 'Commands refused by the security policy, a connection policy or a plugin, by rule.',
      labelNames: ['rule'],
      registers,
    }),
    outputBytes: scrapedCounter(
      registry,
      `${p}output_bytes_total`,
      'Bytes of output terminals produced (as kept in their scrollback).',
      () => source.output().bytes,
    ),
    subscribers: new Gauge({
      name: `${p}stream_subscribers`,
      help: 'Output stream subscribers now (RPC subscriptions, SSE streams, streamOutput loops).',
      registers,
      collect() {
        this.set(source.output().subscribers);
      },
    }),
    gaps: scrapedCounter(
      registry,
      `${p}stream_gaps_total`,
      'Gap notices sent to output subscribers: output rotated out of the scrollback before they read it.',
      () => source.output().gaps,
    ),
    flowControlPauses: scrapedCounter(
      registry,
      `${p}flow_control_pauses_total`,
      'Times a terminal was paused because a flow-controlled subscriber fell behind.',
      () => source.output().flowControlPauses,
    ),
    connectionsOpen: new Gauge({
      name: `${p}transport_connections_open`,
      help: 'Connections being served now, by transport.',
      labelNames: ['transport'],
      registers,
    }),
    connectionsOpened: new Counter({
      name: `${p}transport_connections_opened_total`,
      help: 'Connections served since start, by transport (each REST request is one http connection).',
      labelNames: ['transport'],
      registers,
    }),
    rpcDuration: new Histogram({
      name: `${p}rpc_request_duration_seconds`,
      help: 'Duration of JSON-RPC requests served, by method and outcome (ok or error).',
      labelNames: ['method', 'outcome'],
      buckets: RPC_DURATION_BUCKETS,
      registers,
    }),
    auditWriteDuration: new Histogram({
      name: `${p}audit_write_duration_seconds`,
      help: 'Time to append one audit log entry until it is on disk, by outcome (ok or error).',
      labelNames: ['outcome'],
      buckets: AUDIT_WRITE_BUCKETS,
      registers,
    }),
  };
}
