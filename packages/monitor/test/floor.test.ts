import { describe, expect, it } from 'vitest';
import { floorMethods, holdsFloor, parseFloorState } from '../src/app/lib/floor';

const holder = { name: 'alice', kind: 'admin' as const, since: '2026-01-01T00:00:00.000Z' };

describe('floorMethods', () => {
  it('is undefined for a handle without floor control (an older client)', () => {
    expect(floorMethods({ write: () => undefined })).toBeUndefined();
  });

  it('calls the handle’s own methods with the handle as this', async () => {
    const handle = {
      id: 't1',
      async takeFloor() {
        return { terminalId: this.id, holder };
      },
      async releaseFloor() {
        return { terminalId: this.id, holder: null };
      },
    };
    const methods = floorMethods(handle);
    expect(await methods?.takeFloor()).toEqual({ terminalId: 't1', holder });
    expect(await methods?.releaseFloor()).toEqual({ terminalId: 't1', holder: null });
  });
});

describe('holdsFloor', () => {
  it('is true only for the very holding this page took', () => {
    expect(holdsFloor(holder, holder)).toBe(true);
    expect(holdsFloor(holder, undefined)).toBe(false);
    expect(holdsFloor(null, holder)).toBe(false);
    // Someone with the same name took it later (another tab): not this page's holding.
    expect(holdsFloor({ ...holder, since: '2026-01-01T00:00:09.000Z' }, holder)).toBe(false);
    expect(holdsFloor({ ...holder, name: 'bob' }, holder)).toBe(false);
  });
});

describe('parseFloorState', () => {
  it('reads held and free floors', () => {
    expect(parseFloorState({ terminalId: 't1', holder })).toEqual({ terminalId: 't1', holder });
    expect(parseFloorState({ terminalId: 't1', holder: null })).toEqual({ terminalId: 't1', holder: null });
  });

  it('refuses malformed states', () => {
    expect(parseFloorState(undefined)).toBeUndefined();
    expect(parseFloorState({ holder })).toBeUndefined();
    expect(
      parseFloorState({ terminalId: 't1', holder: { name: 'x', kind: 'viewer', since: 'now' } }),
    ).toBeUndefined();
  });
});
