// classify() takes valid requests and notifications without zod (the schemas copy `params`, and
// read every member, for every message). These properties keep that shortcut exactly as strict as
// the envelope schemas: for any value shaped like a call, the verdict is the schemas' verdict, and
// an accepted message is the value itself, not a copy.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonRpcNotificationSchema, JsonRpcRequestSchema } from '../src/jsonrpc';
import { classify } from '../src/rpc/classify';

// Members a call may have, with right and wrong values, plus members it must not have.
const member = fc.oneof(
  fc.record({ jsonrpc: fc.constantFrom('2.0', '1.0', 2, undefined) }, { requiredKeys: [] }),
  fc.record(
    { method: fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.constant(null)) },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      id: fc.oneof(
        fc.string({ maxLength: 4 }),
        fc.integer(),
        fc.double(),
        fc.constant(null),
        fc.constant(undefined),
        fc.constant(2 ** 60),
      ),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      params: fc.oneof(
        fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
        fc.array(fc.integer(), { maxLength: 3 }),
        fc.constantFrom(null, 1, 'x', true, undefined),
      ),
    },
    { requiredKeys: [] },
  ),
  fc.record({ param: fc.constant({}), result: fc.constant(1), extra: fc.constant(0) }, { requiredKeys: [] }),
);
const call = fc
  .array(member, { maxLength: 6 })
  .map((parts) => Object.assign({ jsonrpc: '2.0', method: 'm' }, ...parts) as Record<string, unknown>)
  .filter((value) => 'method' in value);

describe('classify: calls', () => {
  it('accepts exactly what the envelope schemas accept, and hands on the value itself', () => {
    fc.assert(
      fc.property(call, (value) => {
        const schema = 'id' in value ? JsonRpcRequestSchema : JsonRpcNotificationSchema;
        const expected = schema.safeParse(value).success;
        const verdict = classify(value);
        if (!expected) {
          expect(verdict.kind).toBe('invalid');
          return;
        }
        expect(verdict.kind).toBe('id' in value ? 'request' : 'notification');
        if (verdict.kind === 'request' || verdict.kind === 'notification') {
          expect(verdict.message).toBe(value);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('does not read the params it hands on', () => {
    let reads = 0;
    const params = Object.defineProperty({ offset: 0 }, 'data', {
      get: () => {
        reads++;
        return 'text';
      },
      enumerable: true,
    });
    const verdict = classify({ jsonrpc: '2.0', method: 'terminal.output', params });
    expect(verdict.kind).toBe('notification');
    expect(reads).toBe(0);
  });
});
