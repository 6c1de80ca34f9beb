// FloorHeld: its code and name, and the guard that reads `{ terminalId, holder }` from an error,
// also one rebuilt from the wire.
import { describe, expect, it } from 'vitest';
import { ErrorCode, errorCodeName, OrchflowError } from '../src/errors';
import { floorHeld, isFloorHeld } from '../src/schemas/floor-held';

const holder = { name: 'alice', kind: 'admin', since: '2026-01-01T00:00:00.000Z' };

describe('FloorHeld', () => {
  it('has its own code in the server range, with a name', () => {
    expect(ErrorCode.FloorHeld).toBe(-32017);
    expect(errorCodeName(ErrorCode.FloorHeld)).toBe('FloorHeld');
    const codes = Object.values(ErrorCode);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('reads terminal and holder from an error rebuilt from the wire', () => {
    const sent = new OrchflowError(ErrorCode.FloorHeld, 'alice holds it', { terminalId: 't-1', holder });
    const received = OrchflowError.fromJson(JSON.parse(JSON.stringify(sent.toJson())));
    expect(received.codeName).toBe('FloorHeld');
    expect(isFloorHeld(received)).toBe(true);
    expect(floorHeld(received)).toEqual({ terminalId: 't-1', holder });
  });

  it('rejects other codes and malformed data', () => {
    expect(
      floorHeld(new OrchflowError(ErrorCode.Forbidden, 'no', { terminalId: 't-1', holder })),
    ).toBeUndefined();
    expect(floorHeld(new OrchflowError(ErrorCode.FloorHeld, 'x', { terminalId: 't-1' }))).toBeUndefined();
    expect(floorHeld(new Error('plain'))).toBeUndefined();
  });
});
