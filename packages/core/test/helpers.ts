// Shared test helpers: process liveness from /proc, error-code assertions, condition polling.
import { readFileSync } from 'node:fs';
import { isOrchflowError } from '@orchflow/protocol';
import { expect } from 'vitest';

/** True while `pid` runs (a zombie waiting to be reaped counts as gone). */
export function alive(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X' && state !== 'x';
}

/** The error `promise` rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

/** Asserts `error` is an OrchflowError with `code` and returns it. */
export function expectCode(error: unknown, code: number): { code: number; message: string; data: unknown } {
  expect(isOrchflowError(error), String(error)).toBe(true);
  const e = error as { code: number; message: string; data: unknown };
  expect(e.code, e.message).toBe(code);
  return e;
}

/** Polls `check` every 20 ms until it is true; fails after `timeoutMs`. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
