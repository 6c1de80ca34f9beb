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

it('refuses to run detached from its handle instead of stopping nothing', () => {
  let stops = 0;
  const { dispose } = disposer(() => stops++);
  expect(() => dispose.call(new EventTarget())).toThrow(/without its handle/);
  expect(() => dispose()).toThrow(TypeError);
  expect(stops).toBe(0);
});
