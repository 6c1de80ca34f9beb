import { describe, expect, test } from 'vitest';
import { flatUuid } from '../src/flat-id';

describe('flatUuid', () => {
  test('is a fresh v4 UUID after the prefix, every time', () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const ids = new Set(Array.from({ length: 100 }, () => flatUuid()));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(uuid);
    const prefixed = flatUuid('node-1_');
    expect(prefixed.startsWith('node-1_')).toBe(true);
    expect(prefixed.slice('node-1_'.length)).toMatch(uuid);
  });
});
