// Chunking and naming rules of the NATS transport, without a server: split/reassemble round
// trips, the reassembly bound and budget (a message the budget has no room for is refused alone,
// with the ids of the requests in it read from its parts as they pass), protocol violations, and
// the cluster/node name checks.
import { ErrorCode, isOrchflowError, OrchflowError, type RequestId } from '@orchflow/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ChunkAssembler,
  COUNTED_WHOLE_MESSAGE_BYTES,
  oversizeReplacement,
  type ReassemblyBudget,
  splitMessage,
} from '../src/nats/chunking';
import { RequestIdScanner } from '../src/nats/request-ids';
import {
  checkClusterName,
  checkNodeId,
  clusterSubjects,
  nodeIdFromHostname,
  nodeOfTerminal,
} from '../src/nats/subjects';

function bytes(n: number): Uint8Array {
  const data = new Uint8Array(n);
  for (let i = 0; i < n; i++) data[i] = (i * 31 + (i >> 8)) & 0xff;
  return data;
}

function codeOf(run: () => unknown): number | undefined {
  try {
    run();
  } catch (error) {
    return isOrchflowError(error) ? error.code : undefined;
  }
  return undefined;
}

describe('splitMessage / ChunkAssembler', () => {
  it('sends small messages whole and reassembles large ones exactly', () => {
    expect(splitMessage(bytes(100), 1, 65_536)).toEqual([{ data: bytes(100) }]);
    const data = bytes(3 * 1024 * 1024 + 7);
    const parts = splitMessage(data, 9, 1024 * 1024);
    expect(parts.length).toBe(4);
    expect(parts.every((p) => p.data.byteLength <= 1024 * 1024 - 4096)).toBe(true);
    expect(parts[0]?.chunk).toBe('9/0/4');
    const assembler = new ChunkAssembler();
    const results = parts.map((p) => assembler.push(p.data, p.chunk));
    expect(results.slice(0, 3)).toEqual([undefined, undefined, undefined]);
    // Compared as Buffers: a deep equal of 3 MiB element by element takes far too long.
    expect(Buffer.from(results[3] as Uint8Array).equals(Buffer.from(data))).toBe(true);
    // The assembler is ready for the next message.
    expect(assembler.push(bytes(5), undefined)).toEqual(bytes(5));
  });

  it('refuses a message beyond the bound with PayloadTooLarge', () => {
    const assembler = new ChunkAssembler(100_000);
    const parts = splitMessage(bytes(300_000), 1, 65_536);
    expect(codeOf(() => parts.map((p) => assembler.push(p.data, p.chunk)))).toBe(ErrorCode.PayloadTooLarge);
    expect(codeOf(() => new ChunkAssembler(10).push(bytes(11), undefined))).toBe(ErrorCode.PayloadTooLarge);
  });

  it('refuses out-of-order, interleaved and malformed parts', () => {
    const parts = splitMessage(bytes(200_000), 3, 65_536);
    expect(codeOf(() => new ChunkAssembler().push(parts[1]?.data as Uint8Array, parts[1]?.chunk))).toBe(
      ErrorCode.InvalidRequest,
    );
    const interleaved = new ChunkAssembler();
    interleaved.push(parts[0]?.data as Uint8Array, parts[0]?.chunk);
    expect(codeOf(() => interleaved.push(bytes(3), undefined))).toBe(ErrorCode.InvalidRequest);
    expect(codeOf(() => new ChunkAssembler().push(bytes(3), 'x/y'))).toBe(ErrorCode.InvalidRequest);
    expect(codeOf(() => new ChunkAssembler().push(bytes(3), '1/5/5'))).toBe(ErrorCode.InvalidRequest);
  });
});

describe('cluster names', () => {
  it('checks cluster names and node ids with InvalidParams', () => {
    expect(checkClusterName('prod_eu-1')).toBe('prod_eu-1');
    expect(checkNodeId('gpu-box-1')).toBe('gpu-box-1');
    for (const bad of ['', 'a.b', 'a*', 'x'.repeat(33)])
      expect(codeOf(() => checkClusterName(bad))).toBe(ErrorCode.InvalidParams);
    for (const bad of ['', 'a_b', 'a.b', 'a>', 'x'.repeat(49)])
      expect(codeOf(() => checkNodeId(bad))).toBe(ErrorCode.InvalidParams);
  });

  it('builds subjects under orchflow.<cluster> and finds the node of a terminal id', () => {
    const s = clusterSubjects('c1');
    expect([s.bucket, s.discover, s.connect('n1'), s.session('n1', 'abc'), s.sessions('n1')]).toEqual([
      'orchflow-c1-nodes',
      'orchflow.c1.discover',
      'orchflow.c1.node.n1.connect',
      'orchflow.c1.node.n1.s.abc',
      'orchflow.c1.node.n1.s.*',
    ]);
    expect(nodeOfTerminal('n1_t-3')).toBe('n1');
    expect(nodeOfTerminal('n1_a_b')).toBe('n1');
    expect(nodeOfTerminal('plain')).toBeUndefined();
    expect(nodeIdFromHostname('My.Host_name.local')).toBe('My-Host-name-local');
  });
});

describe('reassembly bounds', () => {
  it('refuses part counts no real split makes, and empty parts, before holding anything', () => {
    const max = 64 * 1024;
    const bad =
      (chunk: string, bytes = 10) =>
      () =>
        new ChunkAssembler(max).push(new Uint8Array(bytes), chunk);
    expect(bad('0/0/999999999')).toThrow(/out of range/);
    expect(bad('0/0/65')).toThrow(/out of range/);
    expect(bad('0/0/1')).toThrow(/out of range/);
    expect(bad('0/0/2', 0)).toThrow(/no bytes/);
    expect(new ChunkAssembler(max).push(new Uint8Array(10), '0/0/64')).toBeUndefined();
  });
});

describe('lazy loading', () => {
  it('imports the NATS client modules only dynamically (users without NATS never load them)', async () => {
    const { readFile, readdir } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const dir = join(__dirname, '../src/nats');
    const files = [...(await readdir(dir)).map((f) => join(dir, f)), join(__dirname, '../src/node.ts')];
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      const statics = text.match(/^import(?! type)[^;]*from '@nats-io\/[^']+';/gm) ?? [];
      expect(statics, file).toEqual([]);
    }
  });
});

describe('oversizeReplacement', () => {
  it('turns a response, or each response of a batch, into PayloadTooLarge errors', () => {
    const one = oversizeReplacement({ jsonrpc: '2.0', id: 7, result: { stdout: 'x' } }, 300, 200);
    expect(one).toMatchObject({
      id: 7,
      error: { code: ErrorCode.PayloadTooLarge, data: { bytes: 300, limit: 200 } },
    });
    const batch = oversizeReplacement(
      [
        { jsonrpc: '2.0', id: 'a', result: 1 },
        { jsonrpc: '2.0', id: 'b', error: { code: -32603, message: 'x' } },
      ],
      300,
      200,
    ) as { id: string; error: { code: number } }[];
    expect(batch.map((r) => [r.id, r.error.code])).toEqual([
      ['a', ErrorCode.PayloadTooLarge],
      ['b', ErrorCode.PayloadTooLarge],
    ]);
  });

  it('throws PayloadTooLarge to the sender of a request or notification', () => {
    expect(() =>
      oversizeReplacement({ jsonrpc: '2.0', id: 1, method: 'terminal.write', params: {} }, 300, 200),
    ).toThrow(/300 bytes, more than the 200/);
    expect(() => oversizeReplacement({ jsonrpc: '2.0', method: 'x' }, 300, 200)).toThrow(OrchflowError);
  });
});

/** A budget of `limit` bytes that counts what it holds. */
function countingBudget(limit: number): ReassemblyBudget & { held: number } {
  const budget = {
    held: 0,
    take(bytes: number) {
      if (budget.held + bytes > limit) throw new OrchflowError(ErrorCode.Overloaded, 'no room', { limit });
      budget.held += bytes;
    },
    release(bytes: number) {
      budget.held -= bytes;
    },
  };
  return budget;
}

const text = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('ChunkAssembler with a budget', () => {
  it('refuses a split message that does not fit alone: parts dropped, its requests named at its last part', () => {
    const budget = countingBudget(150_000);
    const assembler = new ChunkAssembler(16 * 1024 * 1024, budget);
    const request = {
      jsonrpc: '2.0',
      id: 42,
      method: 'terminal.write',
      params: { data: 'x'.repeat(300_000) },
    };
    const parts = splitMessage(text(request), 1, 65_536);
    expect(parts.length).toBe(5);
    const results = parts.map((p) => assembler.receive(p.data, p.chunk));
    // Two parts fitted; the third did not: what was held went back, and nothing more is taken.
    expect(results.slice(0, 4)).toEqual([undefined, undefined, undefined, undefined]);
    expect(budget.held).toBe(0);
    const refused = results[4]?.refused;
    expect(refused?.error.code).toBe(ErrorCode.Overloaded);
    expect(refused?.answer()).toEqual({ jsonrpc: '2.0', id: 42, error: refused?.error.toJson() });
    // The session goes on: the next message is received (and counted until given back).
    const next = splitMessage(
      text({ jsonrpc: '2.0', id: 43, method: 'x', params: 'y'.repeat(100_000) }),
      2,
      65_536,
    );
    const last = next.map((p) => assembler.receive(p.data, p.chunk)).at(-1);
    expect(last?.held).toBe(last?.data?.byteLength);
    expect(budget.held).toBe(last?.data?.byteLength);
  });

  it('counts a whole message over 64 KiB from its arrival, and refuses it when there is no room', () => {
    const budget = countingBudget(100_000);
    const assembler = new ChunkAssembler(16 * 1024 * 1024, budget);
    expect(assembler.receive(new Uint8Array(COUNTED_WHOLE_MESSAGE_BYTES), undefined)?.held).toBe(0);
    const big = text({ jsonrpc: '2.0', id: 'w', method: 'terminal.write', params: 'z'.repeat(70_000) });
    expect(assembler.receive(big, undefined)?.held).toBe(big.byteLength);
    const batch = text([
      { jsonrpc: '2.0', id: 1, method: 'a', params: 'z'.repeat(40_000) },
      { jsonrpc: '2.0', method: 'notified' },
      { jsonrpc: '2.0', id: 2, method: 'b', params: 'z'.repeat(40_000) },
    ]);
    const refused = assembler.receive(batch, undefined)?.refused;
    expect(((refused?.answer() ?? []) as { id: RequestId }[]).map((r) => r.id)).toEqual([1, 2]);
    expect(budget.held).toBe(big.byteLength);
    // Discarding an incomplete message gives its parts back.
    const parts = splitMessage(new Uint8Array(20_000), 3, 8_192);
    assembler.receive(parts[0]?.data as Uint8Array, parts[0]?.chunk);
    expect(budget.held).toBe(big.byteLength + (parts[0]?.data.byteLength ?? 0));
    assembler.discard();
    expect(budget.held).toBe(big.byteLength);
  });
});

/** The requests of a parsed message as a receiver counts them (in-flight-limit.ts), each once. */
function referenceIds(message: unknown): RequestId[] {
  const ids: RequestId[] = [];
  for (const item of Array.isArray(message) ? message : [message]) {
    if (typeof item !== 'object' || item === null || Array.isArray(item) || !('method' in item)) continue;
    const id = (item as { id?: unknown }).id;
    if ((typeof id === 'string' || Number.isSafeInteger(id)) && !ids.includes(id as RequestId))
      ids.push(id as RequestId);
  }
  return ids;
}

/** Scans `json` fed in pieces of the given sizes (cycled). */
function scan(json: string, sizes: number[] = [1]) {
  const bytes = new TextEncoder().encode(json);
  const scanner = new RequestIdScanner();
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length] ?? 1);
    scanner.push(bytes.subarray(at, at + size));
    at += size;
  }
  return scanner.result();
}

describe('RequestIdScanner', () => {
  it('finds the requests of a message or a batch, and nothing else', () => {
    expect(
      scan('{"jsonrpc":"2.0","id":7,"method":"x","params":{"id":9,"method":"y","s":"}\\"{,:"}}'),
    ).toEqual({ batch: false, ids: [7] });
    expect(scan(' { "method" : "m" , "id" : "a\\"b}" } ')).toEqual({ batch: false, ids: ['a"b}'] });
    expect(scan('{"\\u0069d":4,"method":"m"}').ids).toEqual([4]);
    expect(scan('{"jsonrpc":"2.0","method":"notified"}').ids).toEqual([]);
    expect(scan('{"jsonrpc":"2.0","id":3,"result":{}}').ids).toEqual([]);
    for (const id of ['1.5', '9007199254740993', 'null', '{"a":1}', '[1]', 'true'])
      expect(scan(`{"method":"m","id":${id}}`).ids, id).toEqual([]);
    const batch =
      '[{"id":1,"method":"a"},{"method":"n"},{"id":"x","method":"b","params":[1,{"id":2,"method":"c"}]},5,"s",[{"id":3,"method":"c"}],{"id":1,"method":"dup"}]';
    expect(scan(batch)).toEqual({ batch: true, ids: [1, 'x'] });
    expect(scan('"just a string"')).toEqual({ batch: false, ids: [] });
    expect(scan('{"method":"m","id":12,"params":"unterminated').ids).toEqual([]);
  });

  it('agrees with JSON.parse on any message, however it is cut', () => {
    const id = fc.oneof(fc.integer(), fc.string(), fc.double(), fc.constant(null), fc.boolean());
    const item = fc.oneof(
      fc.record(
        { jsonrpc: fc.constant('2.0'), id, method: fc.string(), params: fc.jsonValue() },
        { requiredKeys: [] },
      ),
      fc.jsonValue(),
    );
    const message = fc.oneof(item, fc.array(item, { maxLength: 8 }));
    fc.assert(
      fc.property(
        message,
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }),
        (m, sizes) => {
          const json = JSON.stringify(m);
          const result = scan(json, sizes);
          expect(result.ids).toEqual(referenceIds(JSON.parse(json)));
          expect(result.batch).toBe(Array.isArray(m));
        },
      ),
      { numRuns: 500 },
    );
  });
});
