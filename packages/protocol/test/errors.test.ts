import { describe, expect, it } from 'vitest';
import {
  ChannelClosedError,
  ErrorCode,
  errorCodeName,
  FrameTooLargeError,
  FramingError,
  isOrchflowError,
  isOrchflowLocalError,
  OrchflowError,
  orchflowErrorCode,
  RequestTimeoutError,
} from '../src/index';

describe('ErrorCode', () => {
  it('keeps the JSON-RPC codes and puts orchflow codes in -32000…-32099', () => {
    expect(ErrorCode.ParseError).toBe(-32700);
    expect(ErrorCode.InvalidParams).toBe(-32602);
    const own = Object.entries(ErrorCode).filter(([, code]) => code > -32600);
    expect(own.length).toBeGreaterThanOrEqual(10);
    for (const [, code] of own) expect(code <= -32000 && code >= -32099).toBe(true);
    expect(new Set(Object.values(ErrorCode)).size).toBe(Object.keys(ErrorCode).length);
    expect(errorCodeName(-32001)).toBe('TerminalNotFound');
  });
});

describe('OrchflowError', () => {
  it('round-trips through its wire form', () => {
    const error = new OrchflowError(ErrorCode.PolicyDenied, 'rm is not allowed', { rule: 'deny:rm' });
    const rebuilt = OrchflowError.fromJson(JSON.parse(JSON.stringify(error.toJson())));
    expect(rebuilt).toMatchObject({ code: -32002, message: 'rm is not allowed', data: { rule: 'deny:rm' } });
    expect(rebuilt.codeName).toBe('PolicyDenied');
    expect(rebuilt.name).toBe('OrchflowError');
    expect(isOrchflowError(rebuilt)).toBe(true);
  });

  it('omits data from the wire form when there is none', () => {
    expect(new OrchflowError(ErrorCode.Timeout, 'late').toJson()).toEqual({ code: -32004, message: 'late' });
  });

  it('turns malformed wire errors into an InternalError instead of throwing', () => {
    for (const junk of [null, 42, 'x', { code: 'nope' }, { code: 1.5, message: 'm' }, []]) {
      const rebuilt = OrchflowError.fromJson(junk);
      expect(rebuilt.code).toBe(ErrorCode.InternalError);
    }
  });

  it('is recognised by brand across package copies, not by instanceof', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('orchflow.error')]: true, code: -32001 });
    expect(isOrchflowError(foreign)).toBe(true);
    expect(isOrchflowError(new Error('plain'))).toBe(false);
    expect(isOrchflowError({ code: -32001 })).toBe(false);
  });

  it('wraps thrown values; a local timeout becomes the Timeout code', () => {
    expect(OrchflowError.from(new Error('boom'))).toMatchObject({
      code: ErrorCode.InternalError,
      message: 'boom',
    });
    expect(OrchflowError.from(new RequestTimeoutError('terminal.execute', 5)).code).toBe(ErrorCode.Timeout);
    const original = new OrchflowError(ErrorCode.Forbidden, 'no');
    expect(OrchflowError.from(original)).toBe(original);
  });
});

describe('orchflowErrorCode', () => {
  it('gives the code of wire and local errors alike, and undefined for anything else', () => {
    expect(orchflowErrorCode(new OrchflowError(ErrorCode.PolicyDenied, 'no'))).toBe(ErrorCode.PolicyDenied);
    expect(orchflowErrorCode(new ChannelClosedError())).toBe(ErrorCode.ChannelClosed);
    expect(orchflowErrorCode(new Error('plain'))).toBeUndefined();
    expect(orchflowErrorCode({ code: ErrorCode.Timeout })).toBeUndefined();
  });
});

describe('local errors', () => {
  it('carry codes from the same ErrorCode set as wire errors, and actionable messages', () => {
    const timeout = new RequestTimeoutError('terminal.execute', 250);
    // One code for "no answer in time", whichever side gave up.
    expect(timeout.code).toBe(ErrorCode.Timeout);
    expect(timeout.codeName).toBe('Timeout');
    expect(new ChannelClosedError().code).toBe(ErrorCode.ChannelClosed);
    expect(new ChannelClosedError().codeName).toBe('ChannelClosed');
    expect(new FrameTooLargeError(2, 1).code).toBe(ErrorCode.PayloadTooLarge);
    expect(new FramingError('bad header').code).toBe(ErrorCode.ParseError);
    for (const e of [
      timeout,
      new ChannelClosedError(),
      new FrameTooLargeError(2, 1),
      new FramingError('x'),
    ]) {
      expect(typeof e.code).toBe('number');
    }
    expect(timeout.name).toBe('RequestTimeoutError');
    expect(timeout.message).toMatch(/terminal\.execute.*250 ms.*timeoutMs/);
    expect(isOrchflowLocalError(new ChannelClosedError())).toBe(true);
    expect(isOrchflowError(new ChannelClosedError())).toBe(false);
  });
});
