import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HeadlessScreen } from '../src/output/screen';
import { packagesReached } from './import-graph';

const enc = new TextEncoder();
const screens: HeadlessScreen[] = [];

function screen(cols = 20, rows = 5): HeadlessScreen {
  const s = new HeadlessScreen(cols, rows);
  screens.push(s);
  return s;
}

afterEach(() => {
  for (const s of screens.splice(0)) s.dispose();
});

describe('HeadlessScreen', () => {
  it('snapshots written text, cursor and size', async () => {
    const s = screen();
    s.write(enc.encode('$ echo hi\r\nhi\r\n$ '));
    expect(await s.snapshot()).toEqual({
      lines: ['$ echo hi', 'hi', '$ ', '', ''],
      cursor: { x: 2, y: 2 },
      cols: 20,
      rows: 5,
      altScreen: false,
    });
  });

  it('reflects everything written before the call, including characters split across writes', async () => {
    const s = screen();
    const bytes = enc.encode('中文 😀 done');
    for (let i = 0; i < bytes.length; i++) s.write(bytes.subarray(i, i + 1));
    const snap = await s.snapshot();
    expect(snap.lines[0]).toBe('中文 😀 done');
  });

  it('reports the alternate screen and returns to the normal one', async () => {
    const s = screen();
    s.write('shell prompt\r\n');
    s.write('\x1b[?1049h\x1b[H\x1b[2Jfull screen app');
    const alt = await s.snapshot();
    expect(alt.altScreen).toBe(true);
    expect(alt.lines[0]).toBe('full screen app');
    expect(alt.lines).not.toContain('shell prompt');
    s.write('\x1b[?1049l');
    const normal = await s.snapshot();
    expect(normal.altScreen).toBe(false);
    expect(normal.lines[0]).toBe('shell prompt');
  });

  it('keeps only the visible rows when output scrolls', async () => {
    const s = screen(10, 3);
    for (let i = 1; i <= 10; i++) s.write(`row ${i}\r\n`);
    expect((await s.snapshot()).lines).toEqual(['row 9', 'row 10', '']);
  });

  it('resizes', async () => {
    const s = screen(10, 3);
    s.resize(40, 8);
    const snap = await s.snapshot();
    expect([snap.cols, snap.rows, snap.lines.length]).toEqual([40, 8, 8]);
  });
});

describe('the emulator module', () => {
  it('is loaded at the first screen, not by importing the package (~5 MB and ~20 ms a process saves)', () => {
    expect(packagesReached(join(__dirname, '../src/index.ts')).has('@xterm/headless')).toBe(false);
    expect(packagesReached(join(__dirname, '../src/internal.ts')).has('@xterm/headless')).toBe(false);
  });
});
