// Output-channel text: escape sequences split across chunks, CRLF split across chunks, durations.
import { describe, expect, it } from 'vitest';
import { AnsiStripper, formatDuration, outcomeStatus, runFooter } from '../src/core/index';

describe('AnsiStripper', () => {
  it('strips colour, cursor and OSC sequences even when a chunk ends inside one', () => {
    const stripper = new AnsiStripper();
    const input = 'a\x1b[31mred\x1b[0m b\x1b]0;title\x07c\x1b[2Kd\r\ne\r\n';
    for (let cut = 0; cut <= input.length; cut++) {
      const s = new AnsiStripper();
      const text = s.push(input.slice(0, cut)) + s.push(input.slice(cut)) + s.flush();
      expect(text, `cut at ${cut}`).toBe('ared bcd\ne\n');
    }
    expect(stripper.push('\x1b[')).toBe('');
    expect(stripper.push('1mbold')).toBe('bold');
  });
});

describe('formatting', () => {
  it('describes durations and outcomes', () => {
    expect([formatDuration(850), formatDuration(12_345), formatDuration(125_000)]).toEqual([
      '850 ms',
      '12.3 s',
      '2 min 5 s',
    ]);
    const base = { command: 'npm test', signal: null, durationMs: 1500, timedOut: false, cwd: '/p' };
    expect(outcomeStatus({ ...base, exitCode: 0 })).toMatchObject({
      text: 'orchflow: exit 0',
      tone: 'passed',
    });
    expect(outcomeStatus({ ...base, exitCode: null, signal: 'SIGKILL' }).text).toBe(
      'orchflow: killed by SIGKILL',
    );
    expect(outcomeStatus({ ...base, exitCode: 124, timedOut: true }).tone).toBe('failed');
    expect(runFooter({ ...base, exitCode: 2 })).toBe('\n[exit 2 after 1.5 s]\n');
  });
});
