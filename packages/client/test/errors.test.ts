// The error surface a user catches with: the same helpers and classes from the root entry and from
// `@orchflow/client/node`, one check (`isAnyOrchflowError`) for an orchflow error of either side
// with a given code, and a `codeName` that shows when an error is inspected, logged or serialised.
import { inspect } from 'node:util';
import { expect, it } from 'vitest';
import * as root from '../src/index';
import * as node from '../src/node';

const ERROR_SURFACE = [
  'ErrorCode',
  'errorCodeName',
  'orchflowErrorCode',
  'isOrchflowError',
  'isOrchflowLocalError',
  'isAnyOrchflowError',
  'OrchflowError',
  'OrchflowLocalError',
  'ChannelClosedError',
  'RequestTimeoutError',
  'FrameTooLargeError',
  'FramingError',
  'isPolicyDenied',
  'policyDenial',
  'isFloorHeld',
  'floorHeld',
] as const;

it('exports the whole error surface from the root entry and, the same values, from /node', () => {
  const rootExports = root as Record<string, unknown>;
  const nodeExports = node as Record<string, unknown>;
  for (const name of ERROR_SURFACE) {
    expect(rootExports[name], `root entry: ${name}`).toBeDefined();
    expect(nodeExports[name], `/node entry: ${name}`).toBe(rootExports[name]);
  }
  // The Node entry is a superset of the root: everything but its own OrchflowClient is the same.
  for (const name of Object.keys(rootExports).filter((key) => key !== 'OrchflowClient')) {
    expect(nodeExports[name], `/node entry: ${name}`).toBe(rootExports[name]);
  }
});

it('isAnyOrchflowError answers "an orchflow error with code X" for wire and local errors alike', () => {
  const { ErrorCode, OrchflowError, RequestTimeoutError, ChannelClosedError, isAnyOrchflowError } = root;
  const serverTimeout = new OrchflowError(ErrorCode.Timeout, 'the server gave up');
  const localTimeout = new RequestTimeoutError('terminal.read', 1_000);
  for (const error of [serverTimeout, localTimeout]) {
    expect(isAnyOrchflowError(error)).toBe(true);
    expect(isAnyOrchflowError(error, ErrorCode.Timeout)).toBe(true);
    expect(isAnyOrchflowError(error, ErrorCode.Cancelled)).toBe(false);
  }
  expect(isAnyOrchflowError(new ChannelClosedError(), ErrorCode.ChannelClosed)).toBe(true);
  expect(root.isOrchflowError(localTimeout)).toBe(false);
  for (const other of [new Error('x'), { code: ErrorCode.Timeout }, undefined, null, 'Timeout']) {
    expect(isAnyOrchflowError(other)).toBe(false);
    expect(isAnyOrchflowError(other, ErrorCode.Timeout)).toBe(false);
  }
});

it('shows codeName when an error is inspected or serialised', () => {
  const { ErrorCode, OrchflowError, RequestTimeoutError } = root;
  const denied = new OrchflowError(ErrorCode.PolicyDenied, 'no', { rule: 'r' });
  expect(inspect(denied)).toContain("codeName: 'PolicyDenied'");
  expect(JSON.parse(JSON.stringify(denied))).toMatchObject({
    code: ErrorCode.PolicyDenied,
    codeName: 'PolicyDenied',
  });
  expect(denied.codeName).toBe('PolicyDenied');
  expect(new OrchflowError(-1, 'odd').codeName).toBe('UnknownError');
  // The wire form is unchanged: code, message, data.
  expect(denied.toJson()).toEqual({ code: ErrorCode.PolicyDenied, message: 'no', data: { rule: 'r' } });
  const timeout = new RequestTimeoutError('terminal.read', 5);
  expect(inspect(timeout)).toContain("codeName: 'Timeout'");
  expect(inspect(timeout)).toMatch(/^RequestTimeoutError: /);
});
