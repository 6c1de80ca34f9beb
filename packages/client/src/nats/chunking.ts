// Messages larger than a NATS message may be (the server's `max_payload`, 1 MiB by default) go
// as several parts, each with an `Orchflow-Chunk: <seq>/<index>/<count>` header. A sender
// publishes all parts of a message back to back and NATS keeps one publisher's order, so a
// receiver holds at most one message in reassembly; anything else is a protocol violation.
// Reassembly is bounded: a message announced larger than `maxMessageBytes` is refused, and a
// receiver serving many peers (a node's sessions) can share one `ReassemblyBudget` among their
// assemblers, so the bytes held in large messages stay bounded across all of them: a split
// message's parts while it arrives, and then the whole message (as a whole message larger than
// COUNTED_WHOLE_MESSAGE_BYTES from its arrival) until its receiver is done with it. A message that
// does not fit is refused alone: its parts are dropped as they come (only the ids of the requests
// in it are read, to answer them) and the session goes on.
import { ErrorCode, type JsonRpcMessage, OrchflowError } from '@orchflow/protocol/runtime';
import { RequestIdScanner, type ScannedRequests } from './request-ids';

/** Bytes left for headers and protocol overhead under `max_payload`. */
export const CHUNK_HEADROOM_BYTES = 4096;
/** Smallest part a split message is cut into (the receiver's bound on a message's part count). */
const MIN_PART_BYTES = 1024;
/** Default bound of a reassembled message (the protocol's largest frame). */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/**
 * A message that arrives whole counts against a {@link ReassemblyBudget} when it is larger than
 * this (64 KiB); smaller ones are bounded by the receiver's other limits (requests in flight).
 */
export const COUNTED_WHOLE_MESSAGE_BYTES = 64 * 1024;

/** One NATS message's worth of a (possibly split) orchflow message. */
export interface ChunkPart {
  data: Uint8Array;
  /** The `Orchflow-Chunk` header value, absent when the message went whole. */
  chunk?: string;
}

/** Splits `data` into parts that fit `maxPayload` (the NATS server's limit). */
export function splitMessage(data: Uint8Array, seq: number, maxPayload: number): ChunkPart[] {
  const limit = Math.max(MIN_PART_BYTES, maxPayload - CHUNK_HEADROOM_BYTES);
  if (data.byteLength <= limit) return [{ data }];
  const count = Math.ceil(data.byteLength / limit);
  const parts: ChunkPart[] = [];
  for (let index = 0; index < count; index++) {
    parts.push({
      data: data.subarray(index * limit, Math.min(data.byteLength, (index + 1) * limit)),
      chunk: `${seq}/${index}/${count}`,
    });
  }
  return parts;
}

/**
 * Bytes that may be held in large received messages, shared by several {@link ChunkAssembler}s
 * (a node's sessions): each part of a split message is taken from it before the assembler keeps
 * the part, and a whole message larger than {@link COUNTED_WHOLE_MESSAGE_BYTES} when it arrives;
 * a complete message's bytes stay taken until its receiver gives them back (see
 * {@link ChunkAssembler.receive}), a dropped one's are given back at once.
 */
export interface ReassemblyBudget {
  /** Takes `bytes` more; throws (an OrchflowError that says why and what to do) when there is no room. */
  take(bytes: number): void;
  /** Gives back `bytes` taken before. */
  release(bytes: number): void;
}

/** A message refused because the budget had no room for it: why, and the requests it carried. */
export class RefusedMessage {
  constructor(
    /** The budget's refusal (Overloaded). */
    readonly error: OrchflowError,
    /** The requests in the message, to be answered with `error`. */
    readonly requests: ScannedRequests,
  ) {}

  /** The answer to the message: one error response per request (an array for a batch), or none. */
  answer(): JsonRpcMessage | undefined {
    const { batch, ids } = this.requests;
    const error = this.error.toJson();
    const answers = ids.map((id) => ({ jsonrpc: '2.0' as const, id, error }));
    if (answers.length === 0) return undefined;
    return (batch ? answers : answers[0]) as JsonRpcMessage;
  }
}

/** What {@link ChunkAssembler.receive} makes of one NATS message. */
export type Received =
  /** A whole message; `held` of its bytes stay taken from the budget until given back. */
  | { data: Uint8Array; held: number; refused?: undefined }
  /** A message the budget had no room for, dropped (its last part, or a whole one, arrived). */
  | { refused: RefusedMessage; data?: undefined; held?: undefined };

/** Puts split messages back together; one instance per direction of a session. */
export class ChunkAssembler {
  private current:
    | {
        seq: string;
        count: number;
        /** Parts received so far (how many, when `refused`: then none are kept). */
        index: number;
        parts: Uint8Array[];
        bytes: number;
        lastPartAt: number;
        /** Set once the budget refused the message: its parts are read for request ids, not kept. */
        refused?: { error: OrchflowError; scanner: RequestIdScanner };
      }
    | undefined;

  /** `budget`, when given, bounds the bytes held in an incomplete message together with other assemblers'. */
  constructor(
    private readonly maxMessageBytes: number = DEFAULT_MAX_MESSAGE_BYTES,
    private readonly budget?: ReassemblyBudget,
  ) {}

  /** How long ago the last part of an incomplete message arrived, or undefined when none waits. */
  waitingMs(now: number = Date.now()): number | undefined {
    return this.current === undefined ? undefined : now - this.current.lastPartAt;
  }

  /** Drops an incomplete message (its session ended), giving its bytes back to the budget. */
  discard(): void {
    const current = this.current;
    this.current = undefined;
    if (current) this.budget?.release(current.bytes);
  }

  /**
   * Takes one NATS message; returns the whole message once complete, else undefined. Throws on a
   * violation, and (for a caller with a budget, which uses {@link receive}) when the budget refuses.
   */
  push(data: Uint8Array, chunk: string | undefined): Uint8Array | undefined {
    const received = this.receive(data, chunk);
    if (received?.refused) throw received.refused.error;
    return received?.data;
  }

  /**
   * Takes one NATS message: undefined while a split message is incomplete; else the whole message
   * (`held`: its bytes that stay taken from the budget, which the caller gives back once done with
   * the message), or, when the budget had no room for it, the refusal (nothing held). Throws an
   * OrchflowError on a protocol violation or a message larger than `maxMessageBytes`.
   */
  receive(data: Uint8Array, chunk: string | undefined): Received | undefined {
    if (chunk === undefined || chunk === '') {
      if (this.current) throw violation('a whole message arrived in the middle of a split one');
      this.checkSize(data.byteLength);
      if (!this.budget || data.byteLength <= COUNTED_WHOLE_MESSAGE_BYTES) return { data, held: 0 };
      try {
        this.budget.take(data.byteLength);
      } catch (error) {
        const scanner = new RequestIdScanner();
        scanner.push(data);
        return { refused: new RefusedMessage(OrchflowError.from(error), scanner.result()) };
      }
      return { data, held: data.byteLength };
    }
    const match = /^(\d+)\/(\d+)\/(\d+)$/.exec(chunk);
    if (!match) throw violation(`malformed Orchflow-Chunk header '${chunk}'`);
    const [, seq = '', indexText = '', countText = ''] = match;
    const index = Number(indexText);
    const count = Number(countText);
    // splitMessage's parts hold at least 1 KiB each, so more parts than that bound allows, or an
    // empty part, is a sender trying to grow the reassembly without sending bytes.
    const maxParts = Math.ceil(this.maxMessageBytes / MIN_PART_BYTES);
    if (count < 2 || count > maxParts || index >= count) {
      throw violation(`Orchflow-Chunk '${chunk}' is out of range (2 to ${maxParts} parts)`);
    }
    if (data.byteLength === 0) throw violation(`Orchflow-Chunk '${chunk}' carries no bytes`);
    if (index === 0) {
      if (this.current) throw violation('a new split message began before the previous one ended');
      this.current = { seq, count, index: 0, parts: [], bytes: 0, lastPartAt: Date.now() };
    }
    const current = this.current;
    if (!current || current.seq !== seq || current.count !== count || current.index !== index) {
      throw violation(`Orchflow-Chunk '${chunk}' arrived out of order`);
    }
    current.index++;
    current.lastPartAt = Date.now();
    if (current.refused) {
      // Dropped as it comes: only its requests' ids are read (and no size is counted).
      current.refused.scanner.push(data);
      return this.refusedEnd(current);
    }
    this.checkSize(current.bytes + data.byteLength);
    // Taken before the copy is made (a refusal keeps nothing); `bytes` counts only what was taken,
    // so `discard` gives back exactly that.
    try {
      this.budget?.take(data.byteLength);
    } catch (error) {
      // Refused alone: what it held goes back now, the rest of it is read for ids only.
      const scanner = new RequestIdScanner();
      for (const part of current.parts) scanner.push(part);
      scanner.push(data);
      this.budget?.release(current.bytes);
      current.parts = [];
      current.bytes = 0;
      current.refused = { error: OrchflowError.from(error), scanner };
      return this.refusedEnd(current);
    }
    current.bytes += data.byteLength;
    // Copied: the NATS client may reuse the buffer behind `data`.
    current.parts.push(data.slice());
    if (current.index < count) return undefined;
    this.current = undefined;
    // The whole message is the receiver's now, still counted: the receiver gives its bytes back.
    const whole = new Uint8Array(current.bytes);
    let offset = 0;
    for (const part of current.parts) {
      whole.set(part, offset);
      offset += part.byteLength;
    }
    return { data: whole, held: this.budget ? current.bytes : 0 };
  }

  /** The refusal once a refused message's last part came, else undefined. */
  private refusedEnd(current: NonNullable<ChunkAssembler['current']>): Received | undefined {
    const refused = current.refused;
    if (!refused || current.index < current.count) return undefined;
    this.current = undefined;
    return { refused: new RefusedMessage(refused.error, refused.scanner.result()) };
  }

  private checkSize(bytes: number): undefined {
    if (bytes > this.maxMessageBytes) {
      throw new OrchflowError(
        ErrorCode.PayloadTooLarge,
        `A message of more than ${this.maxMessageBytes} bytes arrived over NATS; the limit is the protocol's largest message`,
      );
    }
    return undefined;
  }
}

/**
 * What to send instead of `message`, `bytes` long, that the peer would refuse as larger than
 * `maxMessageBytes` (and close the session over): a response becomes an error response naming
 * the sizes, so only that request fails; anything else throws to its sender.
 */
export function oversizeReplacement(
  message: JsonRpcMessage,
  bytes: number,
  maxMessageBytes: number,
): JsonRpcMessage {
  const what = `${bytes} bytes, more than the ${maxMessageBytes} one message over a NATS session may carry`;
  const answers = Array.isArray(message) ? message : [message];
  const ids = answers.map(responseId);
  if (ids.length === 0 || ids.some((id) => id === undefined)) {
    throw new OrchflowError(ErrorCode.PayloadTooLarge, `This message is ${what}: send less at a time`);
  }
  const failed = ids.map((id) => ({
    jsonrpc: '2.0' as const,
    id: id as string | number,
    error: {
      code: ErrorCode.PayloadTooLarge,
      message: `The answer is ${what}: ask for less (e.g. terminal.read in smaller ranges, a lower maxOutputBytes)`,
      data: { bytes, limit: maxMessageBytes },
    },
  }));
  return (Array.isArray(message) ? failed : failed[0]) as JsonRpcMessage;
}

/** The id of a response (result or error), or undefined for anything else. */
function responseId(message: unknown): string | number | undefined {
  const m = message as { id?: unknown; method?: unknown } | null;
  if (!m || typeof m !== 'object' || m.method !== undefined || !('result' in m || 'error' in m))
    return undefined;
  return typeof m.id === 'string' || typeof m.id === 'number' ? m.id : undefined;
}

function violation(what: string): OrchflowError {
  return new OrchflowError(ErrorCode.InvalidRequest, `NATS chunking violated: ${what}`);
}
