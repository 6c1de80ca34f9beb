import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DirectChannel } from '../src/direct-channel';
import { ErrorCode, OrchflowError } from '../src/errors';
import {
  type JsonRpcMessage,
  JsonRpcNotificationSchema,
  type JsonRpcResponse,
  JsonRpcResponseSchema,
  RequestIdSchema,
} from '../src/jsonrpc';
import { type InternalErrorReport, internalErrorId } from '../src/rpc/internal-error';
import { RpcPeer } from '../src/rpc/rpc-peer';

/** A peer serving `echo`, faced by a raw channel end the test writes anything into. */
function exposedPeer() {
  const [peerEnd, raw] = DirectChannel.pair();
  const errors: Error[] = [];
  const peer = new RpcPeer(peerEnd, { onError: (e) => errors.push(e), defaultTimeoutMs: 1000 });
  peer.onRequest('echo', z.unknown(), (params) => params ?? null);
  peer.start();
  const send = (value: unknown) => raw.send(value as JsonRpcMessage);
  return { peer, raw, send, errors };
}

describe('RpcPeer facing malformed input', () => {
  it.each([
    ['a string', 'hello', null],
    ['null', null, null],
    ['an object without method or result', { jsonrpc: '2.0', id: 4 }, 4],
    ['a wrong version', { jsonrpc: '1.0', id: 5, method: 'echo' }, 5],
    ['a non-string method', { jsonrpc: '2.0', id: 'q', method: 42 }, 'q'],
    ['scalar params', { jsonrpc: '2.0', id: 6, method: 'echo', params: 3 }, 6],
    ['an unknown member', { jsonrpc: '2.0', id: 7, method: 'echo', param: {} }, 7],
    ['a fractional id', { jsonrpc: '2.0', id: 1.5, method: 'echo' }, null],
    ['an object id', { jsonrpc: '2.0', id: { x: 1 }, method: 'echo' }, null],
    ['result and error together', { jsonrpc: '2.0', id: 8, result: 1, error: { code: 1, message: 'm' } }, 8],
  ])('answers %s with InvalidRequest and the readable id', async (_name, input, id) => {
    const { raw, send, errors } = exposedPeer();
    await send(input);
    const reply = await raw.receive();
    expect(JsonRpcResponseSchema.safeParse(reply).success).toBe(true);
    expect(reply).toMatchObject({ id, error: { code: ErrorCode.InvalidRequest } });
    expect((reply as { error: { message: string } }).error.message).toMatch(/^Invalid JSON-RPC message: /);
    expect(errors.length).toBeGreaterThan(0);
  });

  it('keeps the wire error to code, message and an error id, with no stack', async () => {
    const { peer, raw, send, errors } = exposedPeer();
    peer.onRequest('boom', z.undefined(), () => {
      throw new Error('kaput');
    });
    await send({ jsonrpc: '2.0', id: 1, method: 'boom' });
    const reply = (await raw.receive()) as { error: { data: { errorId: string } } };
    expect(reply).toEqual({
      jsonrpc: '2.0',
      id: 1,
      error: { code: ErrorCode.InternalError, message: 'kaput', data: { errorId: expect.any(String) } },
    });
    expect(JSON.stringify(reply)).not.toContain(' at ');
    const report = errors.find((e) => internalErrorId(e) === reply.error.data.errorId);
    expect(report?.message).toContain('kaput');
  });

  it('reports responses for unknown ids without answering them', async () => {
    const { raw, send, errors } = exposedPeer();
    await send({ jsonrpc: '2.0', id: 99, result: 'nobody asked' });
    await send({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'you sent garbage' } });
    await send({ jsonrpc: '2.0', id: 'next', method: 'echo', params: [1] });
    expect(await raw.receive()).toEqual({ jsonrpc: '2.0', id: 'next', result: [1] });
    expect(errors.map((e) => e.message)).toEqual([
      'Response for unknown request id 99 ignored',
      'The other side could not read a message from this side: you sent garbage',
    ]);
  });
});

/** JSON values shaped enough like JSON-RPC to reach past the first checks. */
const nearMessage = fc.record(
  {
    jsonrpc: fc.constantFrom('2.0', '1.0', 2),
    id: fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.double(), fc.jsonValue()),
    method: fc.oneof(
      fc.constantFrom('echo', 'missing', '$/ping', '$/cancelRequest', '$/progress'),
      fc.string(),
    ),
    params: fc.oneof(fc.jsonValue(), fc.dictionary(fc.string(), fc.jsonValue()), fc.array(fc.jsonValue())),
    result: fc.jsonValue(),
    error: fc.oneof(fc.record({ code: fc.integer(), message: fc.string() }), fc.jsonValue()),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

function isJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) return value.every(isJson);
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.values(value as object).every(isJson);
}

const anyInput = fc.oneof(
  fc.jsonValue(),
  nearMessage,
  fc.array(fc.oneof(nearMessage, fc.jsonValue()), { maxLength: 6 }),
  fc.anything().filter(isJson),
);

/** Whether one (non-batch) element deserves a reply: requests and invalid messages do. */
const answered = (element: unknown) =>
  Array.isArray(element) ||
  (!JsonRpcNotificationSchema.safeParse(element).success &&
    !JsonRpcResponseSchema.safeParse(element).success);

/** How many replies an input deserves, and whether they come as one response or one array. */
function expectedReplies(input: unknown): { single: boolean; count: number } {
  if (!Array.isArray(input)) return { single: true, count: answered(input) ? 1 : 0 };
  if (input.length === 0) return { single: true, count: 1 };
  return { single: false, count: input.filter(answered).length };
}

function readableId(element: unknown): unknown {
  if (typeof element !== 'object' || element === null || Array.isArray(element)) return null;
  const parsed = RequestIdSchema.safeParse((element as { id?: unknown }).id);
  return parsed.success ? parsed.data : null;
}

describe('RpcPeer property: arbitrary input never breaks it', () => {
  it('answers exactly what deserves an answer, validly, and keeps serving', async () => {
    const { raw, send } = exposedPeer();
    let round = 0;
    await fc.assert(
      fc.asyncProperty(anyInput, async (input) => {
        round++;
        await send(input);
        const { single, count } = expectedReplies(input);
        const sentinel = `sentinel-${round}`;
        await send({ jsonrpc: '2.0', id: sentinel, method: 'echo', params: { round } });
        const replies: unknown[] = [];
        for (;;) {
          const reply = await raw.receive();
          if ((reply as { id?: unknown }).id === sentinel) {
            expect(reply).toEqual({ jsonrpc: '2.0', id: sentinel, result: { round } });
            break;
          }
          replies.push(reply);
        }
        if (count === 0) {
          expect(replies).toEqual([]);
          return;
        }
        expect(replies).toHaveLength(1);
        const reply = replies[0];
        const responses = (single ? [reply] : reply) as JsonRpcResponse[];
        expect(Array.isArray(reply)).toBe(!single);
        expect(responses).toHaveLength(count);
        for (const response of responses)
          expect(JsonRpcResponseSchema.safeParse(response).success).toBe(true);
        const wantedIds = single
          ? [readableId(input)]
          : (input as unknown[]).filter(answered).map(readableId);
        expect(responses.map((r) => r.id)).toEqual(wantedIds);
      }),
      { numRuns: 400 },
    );
  });

  it('survives non-JSON values handed over by reference', async () => {
    const { raw, send } = exposedPeer();
    await fc.assert(
      fc.asyncProperty(fc.anything(), async (input) => {
        await send(input);
        await send({ jsonrpc: '2.0', id: 'alive', method: '$/ping' });
        for (;;) {
          const reply = (await raw.receive()) as { id?: unknown };
          if (reply.id === 'alive') break;
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('RpcPeer internal errors for remote callers (internalErrorDetail: redacted)', () => {
  function redactingPeer() {
    const [peerEnd, raw] = DirectChannel.pair();
    const errors: Error[] = [];
    const peer = new RpcPeer(peerEnd, { onError: (e) => errors.push(e), internalErrorDetail: 'redacted' });
    peer.start();
    const send = (value: unknown) => raw.send(value as JsonRpcMessage);
    return { peer, raw, send, errors };
  }
  type ErrorReply = { error: { code: number; message: string; data: Record<string, unknown> } };

  it('answers an exception with the method and an error id; the report has the message, data and stack', async () => {
    const { peer, raw, send, errors } = redactingPeer();
    peer.onRequest('terminal.spawn', z.unknown(), () => {
      throw new Error("EMFILE: too many open files, open '/tmp/orchflow-sh-x1/bashrc'");
    });
    await send({ jsonrpc: '2.0', id: 1, method: 'terminal.spawn', params: {} });
    const reply = (await raw.receive()) as ErrorReply;
    const { errorId } = reply.error.data;
    expect(reply.error).toEqual({
      code: ErrorCode.InternalError,
      message: `'terminal.spawn' failed on the server with an internal error (error id ${errorId}). Retrying may help; if it keeps failing, give the server's operator this error id: the server's log has the cause under it`,
      data: { errorId },
    });
    expect(errorId).toMatch(/^[0-9a-f]{12}$/);
    expect(JSON.stringify(reply)).not.toMatch(/orchflow-sh|EMFILE|\bat /);
    expect(errors).toHaveLength(1);
    const report = errors[0] as OrchflowError;
    expect(internalErrorId(report)).toBe(errorId);
    expect(report.message).toContain("open '/tmp/orchflow-sh-x1/bashrc'");
    expect((report.data as InternalErrorReport).request).toBe("'terminal.spawn'");
    expect((report.cause as Error).stack).toMatch(/\n\s+at /);
  });

  it('hides the message and data of an OrchflowError(InternalError) but keeps a denial', async () => {
    const { peer, raw, send, errors } = redactingPeer();
    const denial = {
      code: ErrorCode.PolicyDenied,
      message: "Command 'rm' is denied",
      data: { rule: 'deniedCommands' },
    };
    peer.onRequest('terminal.execute', z.unknown(), () => {
      throw new OrchflowError(
        ErrorCode.InternalError,
        "Audit log '/var/log/orchflow/audit.jsonl' could not be written",
        {
          path: '/var/log/orchflow/audit.jsonl',
          denial,
        },
      );
    });
    await send({ jsonrpc: '2.0', id: 2, method: 'terminal.execute', params: {} });
    const reply = (await raw.receive()) as ErrorReply;
    expect(reply.error.data).toEqual({ errorId: expect.stringMatching(/^[0-9a-f]{12}$/), denial });
    expect(JSON.stringify(reply)).not.toContain('/var/log');
    expect((errors[0] as OrchflowError).data).toMatchObject({
      errorId: reply.error.data.errorId,
      data: { path: '/var/log/orchflow/audit.jsonl' },
    });
  });

  it('passes every other error code unchanged, without reporting it', async () => {
    const { peer, raw, send, errors } = redactingPeer();
    peer.onRequest('terminal.spawn', z.unknown(), () => {
      throw new OrchflowError(ErrorCode.SpawnFailed, "Working directory '/nope' does not exist", {
        cwd: '/nope',
      });
    });
    await send({ jsonrpc: '2.0', id: 3, method: 'terminal.spawn', params: {} });
    expect(await raw.receive()).toEqual({
      jsonrpc: '2.0',
      id: 3,
      error: {
        code: ErrorCode.SpawnFailed,
        message: "Working directory '/nope' does not exist",
        data: { cwd: '/nope' },
      },
    });
    expect(errors).toEqual([]);
  });

  it('keeps the error id of an InternalError relayed from another peer', async () => {
    const { peer, raw, send } = redactingPeer();
    peer.onRequest('relay', z.unknown(), () => {
      throw new OrchflowError(ErrorCode.InternalError, 'upstream detail', { errorId: 'abcdefabcdef' });
    });
    await send({ jsonrpc: '2.0', id: 4, method: 'relay', params: {} });
    const reply = (await raw.receive()) as ErrorReply;
    expect(reply.error.data).toEqual({ errorId: 'abcdefabcdef' });
    expect(reply.error.message).not.toContain('upstream detail');
  });
});
