// Messages larger than a NATS message may be (the server's `max_payload`, 1 MiB by default) go
// as several parts, each with an `Orchflow-Chunk: <seq>/<index>/<count>` header. A sender
// publishes all parts of a message back to back and NATS keeps one publisher's order, so a
// receiver holds at most one message in reassembly; anything else is a protocol violation.
// Reassembly is bounded: a message announced larger than `maxMessageBytes` is refused, and a
// receiver serving many peers (a node's sessions) can share one `ReassemblyBudget` among their
// assemblers, so the bytes held in partly received messages stay bounded across all of them.
import { ErrorCode, type JsonRpcMessage, OrchflowError } from '@orchflow/protocol/runtime';

/** Bytes left for headers and protocol overhead under `max_payload`. */
export const CHUNK_HEADROOM_BYTES = 4096;
/** Smallest part a split message is cut into (the receiver's bound on a message's part count). */
const MIN_PART_BYTES = 1024;
/** Default bound of a reassembled message (the protocol's largest frame). */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

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
 * Bytes that may be held in partly reassembled messages, shared by several {@link ChunkAssembler}s
 * (a node's sessions): each part a message is still waiting to complete is taken from it before
 * the assembler keeps the part, and given back when the message completes or is dropped.
 */
export interface ReassemblyBudget {
  /** Takes `bytes` more; throws (an OrchflowError that says why and what to do) when there is no room. */
  take(bytes: number): void;
  /** Gives back `bytes` taken before. */
  release(bytes: number): void;
}

/** Puts split messages back together; one instance per direction of a session. */
export class ChunkAssembler {
  private current:
    | { seq: string; count: number; parts: Uint8Array[]; bytes: number; lastPartAt: number }
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

  /** Takes one NATS message; returns the whole message once complete, else undefined. Throws on a violation. */
  push(data: Uint8Array, chunk: string | undefined): Uint8Array | undefined {
    if (chunk === undefined || chunk === '') {
      if (this.current) throw violation('a whole message arrived in the middle of a split one');
      return this.checkSize(data.byteLength) ?? data;
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
      this.current = { seq, count, parts: [], bytes: 0, lastPartAt: Date.now() };
    }
    const current = this.current;
    if (!current || current.seq !== seq || current.count !== count || current.parts.length !== index) {
      throw violation(`Orchflow-Chunk '${chunk}' arrived out of order`);
    }
    this.checkSize(current.bytes + data.byteLength);
    // Taken before the copy is made (a refusal throws and keeps nothing); `bytes` counts only what
    // was taken, so `discard` gives back exactly that.
    this.budget?.take(data.byteLength);
    current.bytes += data.byteLength;
    current.lastPartAt = Date.now();
    // Copied: the NATS client may reuse the buffer behind `data`.
    current.parts.push(data.slice());
    if (current.parts.length < count) return undefined;
    this.current = undefined;
    // The whole message is the receiver's now (parsed and queued like any other message).
    this.budget?.release(current.bytes);
    const whole = new Uint8Array(current.bytes);
    let offset = 0;
    for (const part of current.parts) {
      whole.set(part, offset);
      offset += part.byteLength;
    }
    return whole;
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
