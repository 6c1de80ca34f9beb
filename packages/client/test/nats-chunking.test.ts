// Chunking and naming rules of the NATS transport, without a server: split/reassemble round
// trips, the reassembly bound, protocol violations, and the cluster/node name checks.
import { ErrorCode, isOrchflowError, OrchflowError } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import { ChunkAssembler, oversizeReplacement, splitMessage } from '../src/nats/chunking';
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
