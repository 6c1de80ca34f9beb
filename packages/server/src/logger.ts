// Structured logging for every orchflow server: pino writing JSON lines to stderr only (stdout
// belongs to the stdio transport's frames), and a channel tap that logs each request with its
// connection id, JSON-RPC request id, method, duration and error code.

import { writeSync } from 'node:fs';
import type { IpcChannel, JsonRpcMessage } from '@orchflow/protocol';
import { ErrorCode } from '@orchflow/protocol';
import pino, { type LevelWithSilent, type Logger } from 'pino';
import { humanDestination } from './human-log';

export type { Logger } from 'pino';

import { LOG_LEVELS } from './log-levels';

export { LOG_LEVELS } from './log-levels';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Minimum level. Default `info` (`ORCHFLOW_LOG_LEVEL` overrides). */
  level?: LevelWithSilent;
  /** File descriptor written to. Default 2 (stderr); never 1, which carries stdio frames. */
  fd?: number;
  /** `json` lines (default, for machines) or `human` lines (`12:03:04 INFO  message key=value`). */
  format?: 'json' | 'human';
}

/** A pino logger writing JSON lines to stderr. */
export function createLogger(options: LoggerOptions = {}): Logger {
  // An unknown level in the environment is ignored rather than failing the server at start.
  const fromEnv = LOG_LEVELS.find((known) => known === process.env.ORCHFLOW_LOG_LEVEL);
  const level = options.level ?? fromEnv ?? 'info';
  const fd = options.fd ?? 2;
  if (options.format === 'human') {
    return pino(
      { name: 'orchflow', level },
      humanDestination((text) => writeSync(fd, text)),
    );
  }
  // Synchronous: a sidecar killed right after logging must not lose the line explaining why.
  return pino({ name: 'orchflow', level }, pino.destination({ dest: fd, sync: true }));
}

/** A logger that drops everything (the default of servers embedded without one). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

let nextConnectionId = 1;

/** A process-unique id for a connection's log lines (`c1`, `c2`, …). */
export function nextConnectionLabel(): string {
  return `c${nextConnectionId++}`;
}

type Id = string | number;

/** Wraps `channel` so every request and its response are logged on `log`. */
export function loggedChannel(channel: IpcChannel, log: Logger): IpcChannel {
  const started = new Map<Id, { method: string; at: number }>();
  const receive = async (): Promise<JsonRpcMessage> => {
    const message = await channel.receive();
    const m = message as { id?: unknown; method?: unknown };
    if (typeof m.method === 'string' && (typeof m.id === 'string' || typeof m.id === 'number')) {
      started.set(m.id, { method: m.method, at: performance.now() });
    }
    return message;
  };
  const logResponse = (message: JsonRpcMessage): void => {
    const m = message as {
      id?: unknown;
      method?: unknown;
      error?: { code?: unknown; message?: unknown; data?: { errorId?: unknown } };
    };
    if (m.method !== undefined || (typeof m.id !== 'string' && typeof m.id !== 'number')) return;
    const request = started.get(m.id);
    started.delete(m.id);
    const fields = {
      reqId: m.id,
      method: request?.method,
      durationMs: request ? Math.round(performance.now() - request.at) : undefined,
    };
    if (!m.error) {
      log.debug(fields, 'request done');
      return;
    }
    // An internal failure's id: its own error-level line (from onError) has the detail.
    const errorId = m.error.data?.errorId;
    const failed = {
      ...fields,
      code: m.error.code,
      error: m.error.message,
      ...(typeof errorId === 'string' ? { errorId } : {}),
    };
    if (m.error.code === ErrorCode.InternalError) log.warn(failed, 'request failed');
    else log.info(failed, 'request refused');
  };
  return {
    get closed() {
      return channel.closed;
    },
    receive,
    send: async (message) => {
      logResponse(message);
      await channel.send(message);
    },
    close: () => channel.close(),
    async *[Symbol.asyncIterator]() {
      for (;;) {
        try {
          yield await receive();
        } catch (error) {
          if (channel.closed) return;
          throw error;
        }
      }
    },
  };
}
