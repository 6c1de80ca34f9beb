// Test helper for the byte-stream transports: writes raw Content-Length frames (valid or not)
// and reads the server's framed replies, so tests see exactly what goes over the wire.
import type { Readable } from 'node:stream';
import { ContentLengthCodec, ErrorCode, PROTOCOL_VERSION } from '@orchflow/protocol';
import { expect } from 'vitest';

/** `body` (an object is JSON-encoded) as one Content-Length frame. */
export function frame(body: unknown): Buffer {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return Buffer.concat([
    Buffer.from(`Content-Length: ${Buffer.byteLength(text)}\r\n\r\n`),
    Buffer.from(text),
  ]);
}

/** A JSON-RPC request frame. */
export function request(id: number, method: string, params?: unknown): Buffer {
  return frame({ jsonrpc: '2.0', id, method, params });
}

/** The initialize request. */
export function initialize(id: number, token?: string): Buffer {
  return request(id, 'initialize', {
    protocolVersion: PROTOCOL_VERSION,
    clientInfo: { name: 'raw-test' },
    token,
  });
}

type Message = { id?: unknown; result?: unknown; error?: { code: number; message: string } };

/** Collects framed messages from `readable`. */
export class FrameReader {
  readonly messages: Message[] = [];
  private readonly waiters: (() => void)[] = [];
  private ended = false;

  constructor(readable: Readable) {
    const decoder = new ContentLengthCodec().createDecoder();
    readable.on('data', (chunk: Buffer) => {
      for (const text of decoder.push(chunk)) this.messages.push(JSON.parse(text) as Message);
      for (const wake of this.waiters.splice(0)) wake();
    });
    readable.on('close', () => {
      this.ended = true;
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** True once the stream closed. */
  get closed(): boolean {
    return this.ended;
  }

  /** Resolves once `predicate` holds over the messages so far (or the stream ended). */
  async until(predicate: (messages: Message[]) => boolean): Promise<Message[]> {
    while (!predicate(this.messages) && !this.ended) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return this.messages;
  }

  /** The response with `id`. */
  async response(id: unknown): Promise<Message> {
    await this.until((all) => all.some((m) => m.id === id));
    const found = this.messages.find((m) => m.id === id);
    if (!found) throw new Error(`stream ended without a response to ${String(id)}`);
    return found;
  }

  /** Resolves once the stream closed. */
  async end(): Promise<void> {
    await this.until(() => false);
  }
}

/** A raw connection to a byte-stream server. */
export interface RawConnection {
  write(bytes: Buffer): void;
  reader: FrameReader;
}

/** Requests in the flood test; each must be answered. */
export const FLOOD_SIZE = 2_000;

/**
 * Sends every kind of bad input on one connection and checks each answer: malformed JSON, wrong
 * JSON-RPC shapes, a request before initialize, unknown methods, invalid params and a flood.
 */
export async function exerciseBadInput({ write, reader }: RawConnection): Promise<void> {
  write(frame('{"jsonrpc": "2.0", "id": 1, "method": '));
  write(frame({ jsonrpc: '2.0', id: 2 }));
  write(frame({ jsonrpc: '1.0', id: 3, method: 'terminal.list' }));
  write(frame([]));
  write(request(4, 'terminal.list', {}));
  const early = await reader.until((all) => all.filter((m) => m.error).length >= 5);
  const codes = early.map((m) => m.error?.code);
  expect(codes).toContain(ErrorCode.ParseError);
  expect(codes.filter((c) => c === ErrorCode.InvalidRequest).length).toBeGreaterThanOrEqual(3);
  expect((await reader.response(4)).error?.code).toBe(ErrorCode.NotInitialized);

  write(initialize(5));
  expect((await reader.response(5)).result).toMatchObject({ protocolVersion: PROTOCOL_VERSION });
  write(request(6, 'no.such.method', {}));
  expect((await reader.response(6)).error?.code).toBe(ErrorCode.MethodNotFound);
  write(request(7, 'terminal.spawn', { agentId: 42 }));
  expect((await reader.response(7)).error?.code).toBe(ErrorCode.InvalidParams);
  write(request(8, 'terminal.execute', { terminalId: 'nope', command: 'true' }));
  expect((await reader.response(8)).error?.code).toBe(ErrorCode.TerminalNotFound);

  const flood = Buffer.concat(Array.from({ length: FLOOD_SIZE }, (_, i) => request(1_000 + i, '$/ping', {})));
  write(flood);
  const last = 1_000 + FLOOD_SIZE - 1;
  await reader.response(last);
  const answered = new Set(reader.messages.map((m) => m.id));
  for (let i = 0; i < FLOOD_SIZE; i++) expect(answered.has(1_000 + i)).toBe(true);
}
