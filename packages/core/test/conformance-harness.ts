// One adapter interface over the two ways to drive an orchestrator — the in-process API and
// `OrchflowClient.direct` — so the conformance suites run the same test body on both.
import { OrchflowClient } from '@orchflow/client';
import type {
  BatchItemResult,
  BatchMode,
  ExecResult,
  ExecuteCommand,
  ExitInfo,
  OutputChunk,
  ReadResult,
  Snapshot,
  TerminalConfig,
  TerminalInfo,
  TerminalState,
} from '@orchflow/protocol';
import type { Orchestrator } from '../src/orchestrator';

/** What both targets' output streams yield. */
export type StreamItem =
  | { type: 'data'; data: string; offset: number; nextOffset: number }
  | { type: 'gap'; from: number; to: number }
  | { type: 'end'; offset: number };

/** Options of one execute, as both targets take them. */
export interface ExecOpts {
  timeoutMs?: number;
  signal?: AbortSignal;
  onOutput?: (chunk: OutputChunk) => void;
}

/** A terminal, driven through one target. */
export interface TargetTerminal {
  readonly id: string;
  execute(command: string, options?: ExecOpts): Promise<ExecResult>;
  write(data: string | Uint8Array): Promise<void>;
  resize(cols: number, rows: number): Promise<{ cols: number; rows: number }>;
  kill(): Promise<ExitInfo>;
  snapshot(): Promise<Snapshot>;
  read(options: { fromOffset?: number; maxBytes?: number }): Promise<ReadResult>;
  stream(options: { fromOffset?: number; signal?: AbortSignal }): AsyncIterable<StreamItem>;
}

/** Batch options, as both targets take them. */
export interface BatchOpts {
  mode?: BatchMode;
  stopOnError?: boolean;
}

/** A transaction: core's `Transaction` and the client's `ClientTransaction` both are one, as they are. */
export interface TargetTransaction {
  add(terminalId: string, command: string, limits?: { timeoutMs?: number }): TargetTransaction;
  commit(commands?: ExecuteCommand[], options?: BatchOpts): Promise<BatchItemResult[]>;
  rollback(): Promise<{ txId: string; rolledBack: boolean }>;
}

/** An orchestrator, driven through one target. */
export interface Target {
  spawn(agentId: string, config?: TerminalConfig): Promise<TargetTerminal>;
  list(filter?: { agentId?: string; state?: TerminalState }): Promise<TerminalInfo[]>;
  batch(commands: ExecuteCommand[], options?: BatchOpts): Promise<BatchItemResult[]>;
  transaction(): Promise<TargetTransaction>;
  close(): Promise<void>;
}

/** How to reach an orchestrator through one target. */
export interface TargetFactory {
  name: string;
  make(orch: Orchestrator): Promise<Target>;
}

const inProcess: TargetFactory = {
  name: 'in-process',
  make: async (orch) => ({
    spawn: async (agentId, config) => {
      const h = await orch.spawnTerminal(agentId, config);
      return {
        id: h.id,
        execute: (command, options) => h.execute(command, options),
        write: (data) => h.write(data),
        resize: async (cols, rows) => h.resize(cols, rows),
        kill: () => h.kill(),
        snapshot: () => h.snapshot(),
        read: async (options) => h.read(options),
        stream: (options) => h.stream(options),
      };
    },
    list: async (filter) => orch.listTerminals(filter),
    batch: (commands, options) => orch.batchExecute(commands, options),
    // No adapter: the in-process transaction has the client's shape.
    transaction: async () => orch.transaction(),
    close: async () => undefined,
  }),
};

const clientDirect: TargetFactory = {
  name: 'client.direct',
  make: async (orch) => {
    const client = await OrchflowClient.direct(orch);
    return {
      spawn: async (agentId, config) => {
        const t = await client.spawnTerminal(agentId, config);
        return {
          id: t.id,
          execute: (command, options) => t.execute(command, options),
          write: (data) => t.write(data),
          resize: (cols, rows) => t.resize(cols, rows),
          kill: () => t.kill(),
          snapshot: () => t.snapshot(),
          read: (options) => t.read(options),
          stream: (options) => t.stream(options),
        };
      },
      list: (filter) => client.listTerminals(filter),
      batch: (commands, options) => client.batchExecute(commands, options),
      transaction: () => client.transaction(),
      close: () => client.close(),
    };
  },
};

/** Both targets; pass to `describe.each`. */
export const TARGETS: readonly TargetFactory[] = [inProcess, clientDirect];

/** Collects a stream until `done` says the text so far is complete; returns the items. */
export async function collect(
  stream: AsyncIterable<StreamItem>,
  done: (text: string, items: StreamItem[]) => boolean,
): Promise<StreamItem[]> {
  const items: StreamItem[] = [];
  let text = '';
  for await (const item of stream) {
    items.push(item);
    if (item.type === 'data') text += item.data;
    if (item.type === 'end' || done(text, items)) break;
  }
  return items;
}
