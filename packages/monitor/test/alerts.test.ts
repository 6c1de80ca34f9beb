import { describe, expect, it } from 'vitest';
import { AlertList, MAX_ALERTS, parseAlert } from '../src/app/lib/alerts';

const alert = (n: number) => ({ severity: 'warning' as const, reason: `denied ${n}`, rule: 'no-rm' });

describe('AlertList', () => {
  it('lists alerts newest first', () => {
    const list = new AlertList();
    list.add(alert(1), 1);
    list.add(alert(2), 2);
    expect(list.open.map((a) => a.reason)).toEqual(['denied 2', 'denied 1']);
  });

  it('keeps at most its bound, dropping the oldest', () => {
    const list = new AlertList();
    for (let i = 0; i < MAX_ALERTS + 25; i++) list.add(alert(i), i);
    expect(list.open).toHaveLength(MAX_ALERTS);
    expect(list.open[0]?.reason).toBe(`denied ${MAX_ALERTS + 24}`);
    expect(list.open.at(-1)?.reason).toBe('denied 25');
  });

  it('dismisses one alert by id, once', () => {
    const list = new AlertList(10);
    const first = list.add(alert(1), 1);
    const second = list.add(alert(2), 2);
    expect(list.dismiss(first.id)).toBe(true);
    expect(list.dismiss(first.id)).toBe(false);
    expect(list.open.map((a) => a.id)).toEqual([second.id]);
  });
});

describe('parseAlert', () => {
  it('reads a security.alert notification and keeps only the fields it knows', () => {
    expect(
      parseAlert({
        severity: 'critical',
        reason: 'rm -rf /',
        rule: 'rm-root',
        command: 'rm -rf /',
        agentId: 'a',
        extra: 1,
      }),
    ).toEqual({
      severity: 'critical',
      reason: 'rm -rf /',
      rule: 'rm-root',
      command: 'rm -rf /',
      agentId: 'a',
    });
  });

  it('refuses params that are not an alert', () => {
    expect(parseAlert(undefined)).toBeUndefined();
    expect(parseAlert({ severity: 'panic', reason: 'x' })).toBeUndefined();
    expect(parseAlert({ severity: 'info' })).toBeUndefined();
  });
});
