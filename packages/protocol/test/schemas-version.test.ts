// The protocol version constant and the major-version compatibility rule.
import { describe, expect, it } from 'vitest';
import { checkProtocolVersion, PROTOCOL_VERSION, ProtocolVersionSchema } from '../src/schemas/version';

describe('PROTOCOL_VERSION', () => {
  it('is 1.0.0 and a valid protocol version', () => {
    expect(PROTOCOL_VERSION).toBe('1.0.0');
    expect(ProtocolVersionSchema.parse(PROTOCOL_VERSION)).toBe(PROTOCOL_VERSION);
  });

  it('rejects strings that are not MAJOR.MINOR.PATCH', () => {
    for (const bad of ['1', '1.0', 'v1.0.0', '01.0.0', '1.0.0+build', '']) {
      expect(ProtocolVersionSchema.safeParse(bad).success, bad).toBe(false);
    }
  });
});

describe('checkProtocolVersion', () => {
  it('accepts any version with the same major', () => {
    expect(checkProtocolVersion('1.0.0')).toEqual({ compatible: true });
    expect(checkProtocolVersion('1.9.3')).toEqual({ compatible: true });
    expect(checkProtocolVersion('1.1.0-rc.1')).toEqual({ compatible: true });
    expect(checkProtocolVersion('2.5.0', '2.0.0')).toEqual({ compatible: true });
  });

  it('rejects a different major and says which versions meet', () => {
    const check = checkProtocolVersion('2.0.0');
    expect(check.compatible).toBe(false);
    if (check.compatible) return;
    expect(check.reason).toContain('2.0.0');
    expect(check.reason).toContain(PROTOCOL_VERSION);
    expect(check.reason).toMatch(/major versions must match/);
  });

  it('treats 0.x and 1.x as incompatible', () => {
    expect(checkProtocolVersion('0.9.0').compatible).toBe(false);
  });

  it('rejects a malformed peer version with a reason instead of throwing', () => {
    const check = checkProtocolVersion('one');
    expect(check).toEqual({ compatible: false, reason: expect.stringContaining("'one'") });
  });

  it('throws for a malformed local version, which is a programming error', () => {
    expect(() => checkProtocolVersion('1.0.0', 'latest')).toThrow(/Local protocol version 'latest'/);
  });
});
