import { expect, it } from 'vitest';
import { disposer } from '../src/disposer';

it('stops once, through dispose() or Symbol.dispose', () => {
  let stops = 0;
  const handle = disposer(() => stops++);
  handle.dispose();
  handle[Symbol.dispose]();
  handle.dispose();
  expect(stops).toBe(1);
});

it('works with a `using` declaration', () => {
  let stopped = false;
  {
    using _handle = disposer(() => {
      stopped = true;
    });
    expect(stopped).toBe(false);
  }
  expect(stopped).toBe(true);
});
