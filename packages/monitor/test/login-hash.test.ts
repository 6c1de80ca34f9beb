import { describe, expect, it } from 'vitest';
import { MAX_LOGIN_CODE_LENGTH, parseLoginCode } from '../src/app/lib/login-hash';

describe('parseLoginCode', () => {
  it('reads the code of a one-time login link', () => {
    expect(parseLoginCode('#code=AbC-123_x')).toBe('AbC-123_x');
    expect(parseLoginCode('#other=1&code=abc&more=2')).toBe('abc');
  });

  it('keeps a base64 plus sign and decodes %-escapes', () => {
    expect(parseLoginCode('#code=a+b%2Fc%3D')).toBe('a+b/c=');
  });

  it('finds nothing in an empty, unrelated or malformed fragment', () => {
    expect(parseLoginCode('')).toBeUndefined();
    expect(parseLoginCode('#')).toBeUndefined();
    expect(parseLoginCode('#grid')).toBeUndefined();
    expect(parseLoginCode('#code=')).toBeUndefined();
    expect(parseLoginCode('#code=%E0%A4%A')).toBeUndefined();
    expect(parseLoginCode('#code=a%20b')).toBeUndefined();
  });

  it('refuses a code longer than any the server issues', () => {
    expect(parseLoginCode(`#code=${'x'.repeat(MAX_LOGIN_CODE_LENGTH)}`)).toHaveLength(MAX_LOGIN_CODE_LENGTH);
    expect(parseLoginCode(`#code=${'x'.repeat(MAX_LOGIN_CODE_LENGTH + 1)}`)).toBeUndefined();
  });
});
