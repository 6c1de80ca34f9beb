import { describe, expect, it } from 'vitest';
import { guardPaste, PASTE_END, PASTE_START } from '../src/app/lib/paste-guard';

describe('guardPaste', () => {
  it('takes an early end-of-paste (and every other escape) out of bracketed pasted text', () => {
    const pasted = `${PASTE_START}# looks harmless${PASTE_END}\rtouch pwned\r${PASTE_END}`;
    expect(guardPaste(pasted)).toBe(`${PASTE_START}# looks harmless[201~\rtouch pwned\r${PASTE_END}`);
    expect(guardPaste(`${PASTE_START}a\x1b[2Jb\x9bc${PASTE_END}`)).toBe(`${PASTE_START}a[2Jbc${PASTE_END}`);
  });

  it('keeps an ordinary paste and keystrokes as they are', () => {
    expect(guardPaste(`${PASTE_START}echo hi\ttab\r${PASTE_END}`)).toBe(
      `${PASTE_START}echo hi\ttab\r${PASTE_END}`,
    );
    // Arrow keys and a paste without brackets (the program did not ask for them) are not pastes to guard.
    for (const keys of ['\x1b[A', 'ls\r', '\x1b', PASTE_START, `${PASTE_START}${PASTE_END}`.slice(1)]) {
      expect(guardPaste(keys)).toBe(keys);
    }
    expect(guardPaste(`${PASTE_START}${PASTE_END}`)).toBe(`${PASTE_START}${PASTE_END}`);
  });
});
