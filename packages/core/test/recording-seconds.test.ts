// An event line's time is printed without V8's number-to-string cache (see secondsText), and must
// read exactly as `String` printed it before.
import { expect, test } from 'vitest';
import { eventLine, seconds, secondsText } from '../src/recording/asciicast';

const same = (value: number): void => {
  const got = secondsText(value);
  const want = String(seconds(value));
  if (got !== want) expect({ value, got }).toEqual({ value, got: want });
};

test('prints what String(seconds(t)) prints', () => {
  for (const value of [
    0,
    1e-7,
    4.9e-7,
    5e-7,
    5.1e-7,
    1e-6,
    1.5e-6,
    0.1 + 0.2,
    1,
    10,
    100.5,
    123456.000001,
    0.00001,
    2 ** 31,
    2 ** 31 + 0.5,
    999_999_999.999999,
    1e9,
    5e9,
    -1,
    -0.25,
    Number.NaN,
    Number.POSITIVE_INFINITY,
  ])
    same(value);
  // Every microsecond of a few stretches, and random times of every size up to 1e8 s.
  for (const base of [0, 1, 59.99, 86_400, 99_999_999])
    for (let us = 0; us < 20_000; us++) same(base + us / 1e6);
  for (let i = 0; i < 100_000; i++) same(Math.random() * 10 ** (Math.random() * 15 - 7));
});

test('an event line starts with the time as before', () => {
  expect(eventLine(1.5, 'o', 'x')[0]).toBe('[1.5, "o", ');
  expect(eventLine(0, 'o', 'x')[0]).toBe('[0, "o", ');
  expect(eventLine(12.3456789, 'o', 'x')[0]).toBe('[12.345679, "o", ');
  expect(eventLine(3.0000001, 'm', 'x')[0]).toBe('[3, "m", ');
});
