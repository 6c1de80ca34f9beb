// Errors of two kinds, one set of codes. `OrchflowError` crosses the wire: it carries a numeric
// JSON-RPC code and is rebuilt on receipt with `fromJson`. Local failures (a closed channel, a
// request that timed out on this side) never go on the wire, but their `code` comes from the same
// `ErrorCode` table, so a caller checks `error.code === ErrorCode.Timeout` once whether the server
// or this side gave up. Both are recognised by brand, not by `instanceof`, because two copies of
// this package may be loaded in one process.

/** JSON-RPC 2.0 error codes plus orchflow's own codes in the -32000…-32099 server range. */
export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** No terminal with that id is visible to the caller. */
  TerminalNotFound: -32001,
  /** The security policy or a plugin refused the command. */
  PolicyDenied: -32002,
  /** A terminal quota (total or per agent) is exhausted. */
  QuotaExceeded: -32003,
  /** The operation did not finish in time on the server. */
  Timeout: -32004,
  /** No valid credentials were presented. */
  Unauthorized: -32005,
  /** The caller's principal may not do this. */
  Forbidden: -32006,
  /** The terminal's process has exited; it can no longer run commands. */
  TerminalExited: -32007,
  /** Client and server protocol major versions differ. */
  VersionMismatch: -32008,
  /** The request was cancelled by the caller. */
  Cancelled: -32009,
  /** The server is at capacity (connections, queue depth); retry later. */
  Overloaded: -32010,
  /** The terminal could not be started (missing shell, bad cwd, PTY exhaustion). */
  SpawnFailed: -32011,
  /** A request other than `initialize` arrived before `initialize`. */
  NotInitialized: -32012,
  /** A message or payload exceeds the configured size limit. */
  PayloadTooLarge: -32013,
  /** The request conflicts with the current state (e.g. committing an unknown transaction). */
  InvalidState: -32014,
  /**
   * This connection does not offer what was asked (its transport or server lacks the feature);
   * `data` names the `feature` and the `transport`.
   */
  Unsupported: -32015,
  /**
   * The connection was lost or closed before the answer came: the outcome is unknown. Raised on
   * this side only ({@link ChannelClosedError}); no server sends it.
   */
  ChannelClosed: -32016,
  /**
   * A person holds the terminal's floor (`terminal.floor.take`): only they may type or run commands
   * in it until they release it. `data` is `{ terminalId, holder }` (read it with `floorHeld(error)`);
   * wait for the release, or pass `waitForFloor: true` to `execute`/`batchExecute`.
   */
  FloorHeld: -32017,
  /**
   * Nothing can serve the request now, and trying again later may succeed: no live cluster node
   * matches (or has room for) a spawn, the node owning a terminal is gone or unreachable, or the
   * connection to NATS is down. `data` says which (`{ reason, nodeId? }`). The HTTP client raises it
   * too for an answer that is not an orchflow server's (`{ reason: 'not-orchflow', status }`).
   */
  Unavailable: -32018,
} as const;

/** One of the numeric values of {@link ErrorCode}. */
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

const codeNames = new Map<number, string>(Object.entries(ErrorCode).map(([name, code]) => [code, name]));

/** The symbolic name of a numeric error code (`-32001` → `'TerminalNotFound'`), or `undefined`. */
export function errorCodeName(code: number): string | undefined {
  return codeNames.get(code);
}

/** The JSON shape of an error inside a JSON-RPC error response. */
export interface OrchflowErrorJson {
  code: number;
  message: string;
  data?: unknown;
}

const ORCHFLOW_ERROR = Symbol.for('orchflow.error');
const ORCHFLOW_LOCAL_ERROR = Symbol.for('orchflow.localError');

/** An error that crosses the wire: a JSON-RPC error code, a message and optional data. */
export class OrchflowError extends Error {
  /** Brand used by {@link isOrchflowError}; survives duplicate package copies. */
  readonly [ORCHFLOW_ERROR] = true;
  override readonly name: string = 'OrchflowError';
  /** The numeric JSON-RPC error code (see {@link ErrorCode}). */
  readonly code: number;
  /**
   * The symbolic name of this error's code, e.g. `'PolicyDenied'` (`'UnknownError'` for a code
   * orchflow does not list). An own property, so logs, `util.inspect` and `JSON.stringify` show it.
   */
  readonly codeName: string;
  /** Structured details (e.g. zod issues for invalid params, the policy rule that denied). */
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.codeName = errorCodeName(code) ?? 'UnknownError';
    this.data = data;
  }

  /** The wire form, as placed in a JSON-RPC error response. */
  toJson(): OrchflowErrorJson {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }

  /** Rebuilds an error received from the wire; tolerates malformed input. */
  static fromJson(json: unknown): OrchflowError {
    if (typeof json === 'object' && json !== null) {
      const { code, message, data } = json as Record<string, unknown>;
      if (typeof code === 'number' && Number.isInteger(code)) {
        return new OrchflowError(code, typeof message === 'string' ? message : 'Unknown error', data);
      }
    }
    return new OrchflowError(ErrorCode.InternalError, 'Malformed error object received', json);
  }

  /** Wraps any thrown value as an `OrchflowError` (internal errors keep their message). */
  static from(error: unknown): OrchflowError {
    if (isOrchflowError(error)) return error;
    if (isOrchflowLocalError(error)) {
      // A timeout means the same on either side; other local failures (this side's channel or
      // framing) are internal to whoever relays them.
      const code = error.code === ErrorCode.Timeout ? ErrorCode.Timeout : ErrorCode.InternalError;
      return new OrchflowError(code, error.message, { localCode: error.codeName }, { cause: error });
    }
    const message = error instanceof Error ? error.message : String(error);
    return new OrchflowError(ErrorCode.InternalError, message, undefined, { cause: error });
  }
}

/** True for any {@link OrchflowError}, including one from another copy of this package. */
export function isOrchflowError(value: unknown): value is OrchflowError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { [ORCHFLOW_ERROR]?: unknown })[ORCHFLOW_ERROR] === true
  );
}

/**
 * The codes of failures that happen on this side of a connection and never cross the wire: the
 * connection is gone (`ChannelClosed`), no answer in time (`Timeout`, as a server's timeout), an
 * oversized frame (`PayloadTooLarge`) or bytes that are not valid framing (`ParseError`).
 */
export type LocalErrorCode =
  | typeof ErrorCode.ChannelClosed
  | typeof ErrorCode.Timeout
  | typeof ErrorCode.PayloadTooLarge
  | typeof ErrorCode.ParseError;

/** Base class of local failures; `code` is one of {@link ErrorCode}, like a wire error's. */
export class OrchflowLocalError extends Error {
  /** Brand used by {@link isOrchflowLocalError}. */
  readonly [ORCHFLOW_LOCAL_ERROR] = true;
  override readonly name: string = 'OrchflowLocalError';
  /** The numeric code naming the failure (see {@link ErrorCode}). */
  readonly code: LocalErrorCode;
  /** The symbolic name of this error's code, e.g. `'ChannelClosed'`; an own property, as on {@link OrchflowError}. */
  readonly codeName: string;

  constructor(code: LocalErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.codeName = errorCodeName(code) ?? 'UnknownError';
  }
}

/** True for any local orchflow error ({@link ChannelClosedError}, {@link RequestTimeoutError}, …). */
export function isOrchflowLocalError(value: unknown): value is OrchflowLocalError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { [ORCHFLOW_LOCAL_ERROR]?: unknown })[ORCHFLOW_LOCAL_ERROR] === true
  );
}

/**
 * The {@link ErrorCode} of any orchflow error, one a server sent ({@link OrchflowError}) or one of
 * this side ({@link OrchflowLocalError}: `ChannelClosed`, `Timeout`, …); undefined for anything
 * else. One `switch (orchflowErrorCode(e))` covers both.
 */
export function orchflowErrorCode(value: unknown): number | undefined {
  return isOrchflowError(value) || isOrchflowLocalError(value) ? value.code : undefined;
}

/** The channel is closed: nothing more can be sent or received on it. */
export class ChannelClosedError extends OrchflowLocalError {
  override readonly name = 'ChannelClosedError';
  constructor(
    message = 'Channel is closed; open a new connection to continue',
    options?: { cause?: unknown },
  ) {
    super(ErrorCode.ChannelClosed, message, options);
  }
}

/** A request got no response within its `timeoutMs`. */
export class RequestTimeoutError extends OrchflowLocalError {
  override readonly name = 'RequestTimeoutError';
  /** The method of the request that timed out. */
  readonly method: string;
  /** The timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number;
  constructor(method: string, timeoutMs: number) {
    super(
      ErrorCode.Timeout,
      `Request '${method}' got no response within ${timeoutMs} ms; raise timeoutMs or check that the server is alive`,
    );
    this.method = method;
    this.timeoutMs = timeoutMs;
  }
}

/** A frame exceeded the codec's size limit; the stream cannot be trusted after it. */
export class FrameTooLargeError extends OrchflowLocalError {
  override readonly name = 'FrameTooLargeError';
  /** The size that was announced or reached, in bytes. */
  readonly size: number;
  /** The configured limit, in bytes. */
  readonly limit: number;
  constructor(size: number, limit: number) {
    super(
      ErrorCode.PayloadTooLarge,
      `Frame of ${size} bytes exceeds the limit of ${limit} bytes; send smaller messages or raise maxFrameBytes`,
    );
    this.size = size;
    this.limit = limit;
  }
}

/** The byte stream is not valid framing (bad header, bad Content-Length). */
export class FramingError extends OrchflowLocalError {
  override readonly name = 'FramingError';
  constructor(message: string) {
    super(ErrorCode.ParseError, message);
  }
}
