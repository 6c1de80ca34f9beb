import { describe, expect, it } from 'vitest';
import { ErrorCode, isPolicyDenied, OrchflowError, PolicyDeniedDataSchema, policyDenial } from '../src/index';

const data = { rule: 'deniedCommands[0]: rm', reason: "'rm' is denied", command: 'rm -rf x' };

describe('PolicyDenied data', () => {
  it('recognises a PolicyDenied error and hands back rule, reason and command', () => {
    const e = new OrchflowError(ErrorCode.PolicyDenied, 'denied', data);
    expect(isPolicyDenied(e)).toBe(true);
    expect(policyDenial(e)).toEqual(data);
  });

  it('works on an error rebuilt from the wire, keeping extra fields', () => {
    const wire = JSON.parse(
      JSON.stringify(new OrchflowError(ErrorCode.PolicyDenied, 'denied', { ...data, plugin: 'p' }).toJson()),
    );
    expect(policyDenial(OrchflowError.fromJson(wire))).toEqual({ ...data, plugin: 'p' });
  });

  it('rejects other codes, other values and data without rule or reason', () => {
    expect(isPolicyDenied(new OrchflowError(ErrorCode.Forbidden, 'no', data))).toBe(false);
    expect(isPolicyDenied(new OrchflowError(ErrorCode.PolicyDenied, 'no', { rule: 'x' }))).toBe(false);
    expect(isPolicyDenied(new OrchflowError(ErrorCode.PolicyDenied, 'no', { rule: 1, reason: 'r' }))).toBe(
      false,
    );
    expect(isPolicyDenied({ code: ErrorCode.PolicyDenied, data })).toBe(false);
    expect(policyDenial(new Error('x'))).toBeUndefined();
    expect(policyDenial(undefined)).toBeUndefined();
  });

  it('makes command optional (a denied spawn config judged no command)', () => {
    expect(PolicyDeniedDataSchema.safeParse({ rule: 'spawn-env:BASH_ENV', reason: 'r' }).success).toBe(true);
    expect(PolicyDeniedDataSchema.safeParse({ rule: 'r', reason: 'r', command: 3 }).success).toBe(false);
  });
});
